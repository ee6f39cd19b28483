/**
 * Cutting a window out of a camera's sealed segments for a pull: every segment used is decrypted
 * (GCM authenticates it), its SHA-256 checked against the signed chain, and the chain from the first
 * one to its head verified; then ffmpeg joins the plain segments and cuts the window by stream copy
 * (the cut lands on the keyframe at or before the window's start). Plain copies live in a private
 * temporary folder removed before this returns, whatever happens.
 */
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {PullManifest, TimeRange} from '../../domain/recording.js'
import {RtccError} from '../../errors.js'
import {binaryVersion, ffmpegPath} from '../../media/ffmpeg.js'
import {runMediaTool} from '../../media/run.js'
import {gapsIn, segmentsIn} from './catalogue.js'
import {type CameraChain, chainProblem, openSealed, sha256} from './chain.js'

export interface CutInput {
  chain: CameraChain
  key: Buffer
  publicKeyPem: string
  window: TimeRange
  /** Where the private temporary folder goes (inside the Core's own directory). */
  tempRoot: string
  cameraClockOffsetSeconds: number | null
}

export interface CutClip {
  /** The clip: delete it (and its folder) with `cleanup` once uploaded. */
  file: string
  manifest: PullManifest
  cleanup: () => void
}

export async function cutWindow(input: CutInput): Promise<CutClip> {
  const {chain, window} = input
  const used = segmentsIn(chain, window)
  if (used.length === 0) throw new RtccError(`the Core holds no recording of ${chain.cameraId} between ${window.from} and ${window.to}`, {code: 'no_recording'})
  const firstIndex = chain.entries.indexOf(used[0]!.entry)
  const problem = chainProblem(chain.entries.slice(Math.max(0, firstIndex - 1)), input.publicKeyPem, chain.coreId, chain.cameraId)
  if (problem) throw new RtccError(`the recording chain of ${chain.cameraId} FAILED verification: ${problem}`, {code: 'segment_corrupt', where: chain.file})
  const temp = mkdtempSync(join(input.tempRoot, 'pull-'))
  const cleanup = () => rmSync(temp, {recursive: true, force: true})
  try {
    const lines: string[] = []
    for (const {entry, path} of used) {
      const plain = openSealed(input.key, chain.cameraId, entry.seq, readFileSync(path), path)
      if (sha256(plain) !== entry.sha256) throw new RtccError(`recorded segment ${path} FAILED its integrity check: its SHA-256 is not the one in the signed chain`, {code: 'segment_corrupt', where: path})
      const file = join(temp, `${entry.seq}.mp4`)
      writeFileSync(file, plain, {mode: 0o600})
      lines.push(`file '${file}'`)
    }
    writeFileSync(join(temp, 'list.txt'), lines.join('\n') + '\n')
    const first = used[0]!.entry
    const last = used.at(-1)!.entry
    const startMs = Math.max(Date.parse(window.from), Date.parse(first.start))
    const endMs = Math.min(Date.parse(window.to), Date.parse(last.end))
    const offset = (startMs - Date.parse(first.start)) / 1000
    const output = join(temp, 'clip.mp4')
    const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-ss', offset.toFixed(3), '-i', join(temp, 'list.txt'), '-t', ((endMs - startMs) / 1000).toFixed(3), '-map', '0:v:0', '-c', 'copy', '-movflags', '+faststart', output]
    await runMediaTool(ffmpegPath(), args, {source: chain.cameraId, action: 'clip', timeoutMs: 120_000})
    const clip = readFileSync(output)
    const head = chain.head!
    const manifest: PullManifest = {
      coreId: chain.coreId,
      cameraId: chain.cameraId,
      window,
      clip: {sha256: sha256(clip), bytes: statSync(output).size, start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString()},
      segments: used.map(({entry}) => ({seq: entry.seq, start: entry.start, end: entry.end, sha256: entry.sha256!, hash: entry.hash})),
      gaps: gapsIn(chain, window),
      chainHead: {seq: head.seq, hash: head.hash, signature: head.signature},
      corePublicKey: input.publicKeyPem,
      cameraClockOffsetSeconds: input.cameraClockOffsetSeconds,
      // Paths of the Core's temporary folder say nothing: the arguments are kept without them.
      tool: {name: 'ffmpeg', version: await binaryVersion(ffmpegPath()), arguments: args.map((a) => (a.startsWith(temp) ? a.slice(temp.length + 1) : a))},
    }
    return {file: output, manifest, cleanup}
  } catch (error) {
    cleanup()
    throw error
  }
}
