/**
 * Build step after tsc: bundles the lean runner (bin/run.js's pre-oclif path for `whoami`, `registry
 * near` and `dashboard`) with everything it imports, Ink, React and got included, into dist/lean/.
 * Why (issue 16, the dashboard's first frame): Node spends most of a start resolving, reading and
 * compiling several hundred small ES modules; one file per dynamic import (esbuild's code splitting,
 * so `whoami` still loads no Ink) costs a quarter of that. React's production build is chosen at
 * bundle time (its development build is larger and slower, and the dashboard runs production anyway).
 * bin/run.js falls back to dist/lib/output/lean-runner.js when this bundle is missing or older.
 */
import {build} from 'esbuild'
import {readFileSync, rmSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const root = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url))
const outdir = root('dist/lean')

/**
 * Yoga (Ink's layout engine) carries its WebAssembly as a base64 data: URL, and its Emscripten loader
 * fetch()es that URL whenever fetch exists: in Node that first loads undici, about 70 ms of CPU
 * before the first frame, to decode what the loader's own fallback decodes in a few. Hiding fetch
 * from that one module takes the fallback (esbuild renames the shadow where other code uses fetch).
 */
const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(bundle) {
    bundle.onLoad({filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, ({path}) => ({
      contents: `const fetch = undefined;\n${readFileSync(path, 'utf8')}`,
      loader: 'js',
    }))
  },
}

rmSync(outdir, {recursive: true, force: true})
await build({
  entryPoints: [root('dist/lib/output/lean-runner.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Ink imports react-devtools-core only under DEV=true, which bin/run.js leaves to the unbundled path.
  external: ['react-devtools-core'],
  define: {'process.env.NODE_ENV': '"production"'},
  // read-commands.ts sets NODE_ENV for the unbundled path; here the define has already decided.
  logOverride: {'assign-to-define': 'silent'},
  // CommonJS dependencies (React, got's helpers) require Node built-ins: give them a real require.
  banner: {js: "import {createRequire as __rtccCreateRequire} from 'node:module'; const require = __rtccCreateRequire(import.meta.url);"},
  plugins: [yogaWithoutFetch],
  legalComments: 'none',
  logLevel: 'warning',
})
