#!/usr/bin/env node
// Hot paths before oclif loads (loading the framework costs more than a read command's whole work):
// `rtcc --version` (same text oclif prints: scripts call it often), and the read commands `whoami`,
// `registry near` and `dashboard` when written plainly (dist/lib/output/lean-runner.js; anything it
// does not fully understand, such as --help or a bad flag, falls through to oclif).
const argv = process.argv.slice(2)
const hot = ['whoami', 'registry', 'dashboard'].includes(argv[0])
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version')) {
  const {readFileSync} = await import('node:fs')
  const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`rtcc/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else if (!(hot && (await (await import('../dist/lib/output/lean-runner.js')).runLean(argv)))) {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
