/**
 * `npm run bench`: runs every benchmark module (each exports run() → figures), prints the figures and
 * writes them to bench/results/latest.json. `npm run bench -- audit` runs only the named ones.
 */
import {mkdirSync, readdirSync, writeFileSync} from 'node:fs'
import {basename} from 'node:path'
import {fileURLToPath} from 'node:url'

const dir = fileURLToPath(new URL('.', import.meta.url))
const only = process.argv.slice(2)
const modules = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => basename(f, '.ts'))
  .filter((name) => only.length === 0 || only.includes(name))

const results: Record<string, unknown> = {date: new Date().toISOString(), node: process.version}
for (const name of modules) {
  process.stderr.write(`bench ${name}…\n`)
  const mod = (await import(`./${name}.ts`)) as {run(): Promise<Record<string, unknown>>}
  results[name] = await mod.run()
  process.stderr.write(JSON.stringify(results[name]) + '\n')
}
mkdirSync(new URL('results/', import.meta.url), {recursive: true})
writeFileSync(new URL('results/latest.json', import.meta.url), JSON.stringify(results, null, 2) + '\n')
console.log(JSON.stringify(results, null, 2))
