// Bundles the /ui app with esbuild into one folder that src/CMakeLists.txt embeds in the binary
// (served by src/api/ui_api.cpp):
//
//   node build.mjs --out DIR [--node-modules DIR]
//
// DIR gets index.html plus app-<hash>.js and app-<hash>.css. Every file but index.html carries a
// content hash in its name, so the server may let browsers cache it for a year; index.html is
// revalidated. Third-party licence comments are kept at the end of the bundle. The folder is
// emptied first, so no file of an earlier build is embedded. --node-modules points at the
// folder `npm ci` filled (the CMake build runs it in the build tree, not here).
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  if (at === -1) return fallback;
  const value = process.argv[at + 1];
  if (!value) throw new Error(`${name} needs a value`);
  return path.resolve(value);
}

const out = option('--out', path.join(here, 'dist'));
const nodeModules = option('--node-modules', path.join(here, 'node_modules'));
// esbuild from that folder (an ES import would look beside this file only).
const esbuild = createRequire(path.join(nodeModules, 'noop.js'))('esbuild');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: path.join(here, 'src/main.js'), style: path.join(here, 'src/style.css') },
  outdir: out,
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  legalComments: 'eof',
  nodePaths: [nodeModules],
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
const script = outputs.find((name) => /^app-[A-Z0-9]+\.js$/.test(name));
const style = outputs.find((name) => /^style-[A-Z0-9]+\.css$/.test(name));
if (!script || !style) throw new Error(`unexpected esbuild outputs: ${outputs.join(', ')}`);

const template = await readFile(path.join(here, 'src/index.html'), 'utf8');
// Absolute links: the page is served at /ui/ and at /ui (src/api/ui_api.cpp).
const page = template.replace('{{script}}', `/ui/${script}`).replace('{{style}}', `/ui/${style}`);
if (page.includes('{{')) throw new Error('src/index.html has a placeholder build.mjs does not fill');
await writeFile(path.join(out, 'index.html'), page);

// cmake/embed.cmake refuses carriage returns and its raw-string delimiter: say which file here.
for (const name of await readdir(out)) {
  const text = await readFile(path.join(out, name), 'utf8');
  if (text.includes('\r')) throw new Error(`${name} has a carriage return`);
  if (text.includes(')__embed__"')) throw new Error(`${name} contains the embed delimiter`);
  if (name !== 'index.html' && !/-[A-Z0-9]{8,}\./.test(name)) throw new Error(`${name} has no content hash`);
}
const sizes = await Promise.all(
  (await readdir(out)).map(async (name) => `${name} ${(await readFile(path.join(out, name))).length} B`),
);
console.log(`ui: ${sizes.join(', ')}`);
