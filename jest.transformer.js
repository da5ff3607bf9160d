'use strict';
/**
 * ts-jest wrapper. NestJS 12 ships ESM only and Jest on Node 20 cannot require() ESM, so Jest
 * transforms @nestjs/* through ts-jest too. Two ESM-only constructs survive that transform and
 * break under CommonJS; this wrapper rewrites them for files under node_modules only
 * (see ../shared/TOOLCHAIN.md):
 *  - `import.meta.url` -> the CommonJS equivalent;
 *  - `const require = createRequire(import.meta.url)` (declared by @nestjs/typeorm's compat file)
 *    clashes with CommonJS' own `require`, so the line is dropped.
 */
const { TsJestTransformer } = require('ts-jest');

const inner = new TsJestTransformer({
  tsconfig: '<rootDir>/tsconfig.json',
  diagnostics: false,
});

function patch(source, filename) {
  if (!filename.includes('node_modules')) return source;
  return source
    .replace(/^\s*(const|let|var)\s+require\s*=\s*(\w+\.)?createRequire\([^)]*\);?\s*$/gm, '')
    .replace(/import\.meta\.url/g, "require('node:url').pathToFileURL(__filename).href")
    .replace(/import\.meta\.dirname/g, '__dirname')
    .replace(/import\.meta\.filename/g, '__filename');
}

module.exports = {
  canInstrument: false,
  getCacheKey(source, filename, ...rest) {
    return inner.getCacheKey(patch(source, filename), filename, ...rest);
  },
  process(source, filename, ...rest) {
    return inner.process(patch(source, filename), filename, ...rest);
  },
  processAsync(source, filename, ...rest) {
    return inner.processAsync(patch(source, filename), filename, ...rest);
  },
};
