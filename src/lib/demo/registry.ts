/**
 * The demo's registry, seeded through the real import API: the City of Chicago's red light and speed
 * cameras (examples/data, with their column maps) and a few thousand generated business and home
 * cameras scattered over the city, so radius searches and canvasses meet a realistic density.
 */
import {existsSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {ApiClient} from '../client/api.js'
import {prepareImport, uploadImport} from '../client/registry-import.js'
import {syntheticCameraCsv} from '../registry/synthetic.js'

/** The repository's examples/ (from src/lib/demo or dist/lib/demo alike). */
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))

const CITY_FILES = [
  {source: 'chicago-red-light', file: 'data/chicago-red-light-cameras.csv', map: 'maps/chicago-red-light.map.json'},
  {source: 'chicago-speed', file: 'data/chicago-speed-cameras.csv', map: 'maps/chicago-speed.map.json'},
]

export const CHICAGO_LOOP = {latitude: 41.8819, longitude: -87.6278}

export interface SeededSource {
  source: string
  read: number
  imported: number
  rejected: number
}

export interface SeedResult {
  sources: SeededSource[]
  /** What could not be seeded and why (e.g. examples/ missing from an installed package). */
  missing: string[]
}

export async function seedRegistry(admin: ApiClient, options: {syntheticCameras: number; scratchDir: string}): Promise<SeedResult> {
  const sources: SeededSource[] = []
  const missing: string[] = []
  const load = async (source: string, file: string, map?: string) => {
    const summary = await uploadImport(admin, await prepareImport({file, map}))
    sources.push({source, read: summary.read, imported: summary.inserted + summary.updated + summary.unchanged, rejected: summary.rejected})
  }
  for (const city of CITY_FILES) {
    const file = join(EXAMPLES, city.file)
    if (existsSync(file)) await load(city.source, file, join(EXAMPLES, city.map))
    else missing.push(`${city.source}: ${file} not found (the examples/ folder ships with the repository)`)
  }
  if (options.syntheticCameras > 0) {
    const file = join(options.scratchDir, 'synthetic-cameras.csv')
    await writeFile(file, [...syntheticCameraCsv(options.syntheticCameras, {center: CHICAGO_LOOP, spreadMetres: 7000, source: 'demo-synthetic'})].join(''))
    await load('demo-synthetic', file)
  }
  return {sources, missing}
}
