/**
 * A live stream's picture, refreshed about once a second while it is on screen: a JPEG from the
 * source, scaled by ffmpeg to the cells available. A failure is shown and retried more slowly.
 */
import {useEffect, useState} from 'react'

import type {DashboardSource} from '../../lib/client/dashboard.js'
import type {Pixels} from '../render/half-block.js'
import {decodeJpeg} from '../thumbnail/decode.js'

export interface Thumbnail {
  pixels?: Pixels
  error?: string
  /** When the shown frame arrived (ms since epoch). */
  at?: number
}

export const FRAME_INTERVAL_MS = 1000
const RETRY_INTERVAL_MS = 3000

export function useThumbnail(source: DashboardSource, cameraId: string | undefined, columns: number, pixelRows: number): Thumbnail {
  const [thumbnail, setThumbnail] = useState<Thumbnail>({})
  useEffect(() => {
    if (!cameraId || columns < 2 || pixelRows < 2) return
    let live = true
    let timer: NodeJS.Timeout | undefined
    setThumbnail({})
    const tick = async () => {
      const started = Date.now()
      let wait = FRAME_INTERVAL_MS
      try {
        const pixels = await decodeJpeg(await source.snapshot(cameraId), columns, pixelRows)
        if (live) setThumbnail({pixels, at: Date.now()})
      } catch (error) {
        if (live) setThumbnail((previous) => ({...previous, error: (error as Error).message}))
        wait = RETRY_INTERVAL_MS
      }
      if (live) timer = setTimeout(tick, Math.max(0, wait - (Date.now() - started)))
    }
    void tick()
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [source, cameraId, columns, pixelRows])
  return thumbnail
}
