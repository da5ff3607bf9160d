'use strict';
/** Unit specs live next to the code; end-to-end suites in test/ against real servers and databases. */
const shared = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: __dirname,
  // tmp/ holds scratch builds and copies of the package (benchmarks, profiling): never modules of the suite.
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/tmp/'],
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': '<rootDir>/jest.transformer.js' },
  // @nestjs/* and @faker-js/faker (tests only) are ESM-only: the transformer turns them into CommonJS (see jest.transformer.js).
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@faker-js)/)'],
  moduleNameMapper: {
    '^sealed-audit$': '<rootDir>/libs/sealed-audit/src/index.ts',
    '^sealed-audit/(.*)$': '<rootDir>/libs/sealed-audit/src/$1',
  },
};

module.exports = {
  // A global option (a project's own testTimeout does not reach its hooks): e2e hooks start and
  // drop real databases, which takes seconds on a loaded 2-core machine.
  testTimeout: 60000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      // test/**/*.property-spec.ts: generated-input (fast-check) suites that need no server.
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/**/*.property-spec.ts'],
    },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
