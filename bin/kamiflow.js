#!/usr/bin/env node
// `npx kamiflow …`: the compiled CLI when the project is built (dist/), else its TypeScript
// source through tsx, so it works the same in a checkout and in the image.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (existsSync(built)) {
  require(built);
} else {
  require('tsx/cjs/api').register();
  require(join(__dirname, '..', 'cli', 'main.ts'));
}
