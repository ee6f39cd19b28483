#!/usr/bin/env node
// Hot paths before oclif loads (loading the framework costs more than a read command's whole work):
// `rtcc --version` (same text oclif prints: scripts call it often), and the read commands `whoami`,
// `registry near` and `dashboard` when written plainly (dist/lib/output/lean-runner.js; anything it
// does not fully understand, such as --help or a bad flag, falls through to oclif). `npm run build`
// also bundles the lean runner into dist/lean/ (scripts/bundle-lean.mjs: a few files load several
// times faster than hundreds); a tsc-only build has none, or an older one, and uses dist/lib/, as
// does DEV=true (Ink then reads its own package.json and tries React devtools, beside its files).
const argv = process.argv.slice(2)
const hot = ['whoami', 'registry', 'dashboard'].includes(argv[0])
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version')) {
  const {readFileSync} = await import('node:fs')
  const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`rtcc/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else if (!(hot && (await (await import(await leanRunner())).runLean(argv)))) {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}

async function leanRunner() {
  if (process.env.DEV === 'true') return '../dist/lib/output/lean-runner.js'
  const {statSync} = await import('node:fs')
  const modified = (path) => statSync(new URL(path, import.meta.url), {throwIfNoEntry: false})?.mtimeMs ?? -1
  return modified('../dist/lean/lean-runner.js') >= modified('../dist/lib/output/lean-runner.js') ? '../dist/lean/lean-runner.js' : '../dist/lib/output/lean-runner.js'
}
