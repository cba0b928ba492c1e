// Runs a WASI command module on Node's built-in WASI (for bench/run.py):
//   node --no-warnings bench/node_wasi.mjs FILE.wasm [ARGS...]
// argv[0] of the guest is FILE.wasm, as with `strata run`; the exit status
// is the guest's proc_exit code.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
