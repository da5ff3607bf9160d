'use strict';
/** Unit specs live next to the code; end-to-end suites in test/ against real servers and databases. */
const shared = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: __dirname,
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': '<rootDir>/jest.transformer.js' },
  // @nestjs/* is ESM-only: let the transformer turn it into CommonJS (see jest.transformer.js).
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs)/)'],
  moduleNameMapper: {
    '^sealed-audit$': '<rootDir>/libs/sealed-audit/src/index.ts',
    '^sealed-audit/(.*)$': '<rootDir>/libs/sealed-audit/src/$1',
  },
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'], testTimeout: 60000 },
  ],
};
