// After `npm install`: installs the RocksDB binding (an optional dependency) when npm skipped it.
// npm runs on the machine's default Node, which may be older than the binding requires; this
// script runs under the project's pinned Node (first in PATH during npm scripts), so the nested
// install checks the binding's engines against that Node instead.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const BINDING = '@harperfast/rocksdb-js-linux-x64-glibc';
const require = createRequire(import.meta.url);

function installed() {
  try {
    require.resolve(`${BINDING}/package.json`);
    return true;
  } catch {
    return false;
  }
}

const supported = process.platform === 'linux' && process.arch === 'x64' && process.report?.getReport().header.glibcVersionRuntime !== undefined;
if (process.env.FLINK_TS_POSTINSTALL === '1' || !supported || installed() || !process.env.npm_execpath) process.exit(0);

const version = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).optionalDependencies[BINDING];
const result = spawnSync(process.execPath, [process.env.npm_execpath, 'install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `${BINDING}@${version}`], {
  stdio: 'inherit',
  env: { ...process.env, FLINK_TS_POSTINSTALL: '1' },
});
if (result.status !== 0 || !installed()) {
  console.warn(`flink-ts: could not install ${BINDING}; the RocksDB state backend will not be available (the heap backend is).`);
}
