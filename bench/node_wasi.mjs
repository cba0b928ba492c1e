// Runs a WASI command module on Node's built-in WASI (for bench/run.py and
// bench/large.py):
//   node --no-warnings bench/node_wasi.mjs [--dir=DIR]... FILE.wasm [ARGS...]
// --dir preopens DIR under its own name, as `strata run --dir` does.
// argv[0] of the guest is FILE.wasm, as with `strata run`; the exit status
// is the guest's proc_exit code.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const argv = process.argv.slice(2);
const preopens = {};
while (argv.length && argv[0].startsWith('--dir=')) {
  const dir = argv.shift().slice(6);
  preopens[dir] = dir;
}
const [file, ...args] = argv;
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, preopens, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
