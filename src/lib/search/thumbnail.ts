/** JPEG crop of a sighting's best frame (jpeg-js: pure JavaScript, no native code). */
import jpeg from 'jpeg-js'

import type {Box, Frame} from './detector.js'

const QUALITY = 80
/** Context around the box, as a share of its size, so the crop shows where the object was. */
const MARGIN = 0.15

export function cropJpeg(frame: Frame, box: Pick<Box, 'x1' | 'y1' | 'x2' | 'y2'>): Buffer {
  const mx = (box.x2 - box.x1) * MARGIN
  const my = (box.y2 - box.y1) * MARGIN
  const x0 = Math.max(0, Math.floor(box.x1 - mx))
  const y0 = Math.max(0, Math.floor(box.y1 - my))
  const width = Math.max(1, Math.min(frame.width, Math.ceil(box.x2 + mx)) - x0)
  const height = Math.max(1, Math.min(frame.height, Math.ceil(box.y2 + my)) - y0)
  const rgba = Buffer.alloc(width * height * 4)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = ((y0 + y) * frame.width + x0 + x) * 3
      const to = (y * width + x) * 4
      rgba[to] = frame.data[from]!
      rgba[to + 1] = frame.data[from + 1]!
      rgba[to + 2] = frame.data[from + 2]!
      rgba[to + 3] = 255
    }
  }
  return jpeg.encode({data: rgba, width, height}, QUALITY).data
}

/** Decodes a thumbnail back to packed RGB (for the terminal preview). */
export function decodeThumbnail(data: Buffer): Frame {
  const image = jpeg.decode(data, {useTArray: true, formatAsRGBA: false})
  return {width: image.width, height: image.height, data: image.data}
}
