/**
 * `rtcc registry export`: the server streams the encoded registry; we stream it on to a file or
 * stdout. A file is written under a temporary name and renamed when complete, so an interrupted
 * export never leaves a truncated file that looks finished.
 */
import {once} from 'node:events'
import type {IncomingMessage} from 'node:http'
import {createWriteStream} from 'node:fs'
import {rename, rm} from 'node:fs/promises'
import type {Writable} from 'node:stream'
import {finished} from 'node:stream/promises'

import {RequestError} from 'got'

import {parseDistance} from '../domain/units.js'
import {usageError} from '../errors.js'
import {EXPORT_FORMATS, type ExportFormat} from '../registry/export.js'
import {type ApiClient, httpError} from './api.js'
import {parseLatLon} from './registry.js'

export interface ExportOptions {
  format: string
  near?: string
  radius?: string
}

export interface ExportResult {
  format: ExportFormat
  rows: number
  bytes: number
  /** Null when written to stdout. */
  file: string | null
}

function query(options: ExportOptions) {
  if (!(EXPORT_FORMATS as readonly string[]).includes(options.format))
    throw usageError(`--format: "${options.format}" is not an export format`, `Use one of ${EXPORT_FORMATS.join(', ')}.`)
  if ((options.near === undefined) !== (options.radius === undefined)) throw usageError('--near and --radius go together', 'Pass both (--near 41.88,-87.63 --radius 2km) or neither.')
  const at = options.near === undefined ? undefined : parseLatLon(options.near, '--near')
  return {
    format: options.format,
    at: at && `${at.latitude},${at.longitude}`,
    radius: options.radius === undefined ? undefined : `${parseDistance(options.radius, '--radius')}m`,
  }
}

/** Waits for 'drain' when the target is full; `once` from node:events removes its error listener again (one per wait would pile up). */
async function write(out: Writable, chunk: Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain')
}

/** Streams the export into `out` (the caller owns it), or into `file` when given. */
export async function exportRegistry(api: ApiClient, options: ExportOptions, target: {file: string} | {stream: Writable}): Promise<ExportResult> {
  const searchParams = Object.fromEntries(Object.entries(query(options)).filter(([, v]) => v !== undefined)) as Record<string, string>
  const download = api.http.stream('v1/registry/export', {searchParams})
  let response: IncomingMessage
  try {
    response = await new Promise<IncomingMessage>((resolve, reject) => {
      download.once('response', resolve)
      download.once('error', reject)
    })
  } catch (error) {
    throw await api.networkError(error)
  }
  if (response.statusCode! >= 400) {
    const chunks: Buffer[] = []
    for await (const chunk of download) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    throw httpError(response.statusCode!, text ? (JSON.parse(text) as never) : undefined, 'GET /v1/registry/export')
  }
  const temporary = 'file' in target ? `${target.file}.partial-${process.pid}` : undefined
  const out = temporary ? createWriteStream(temporary) : (target as {stream: Writable}).stream
  let bytes = 0
  try {
    for await (const chunk of download) {
      bytes += (chunk as Buffer).length
      await write(out, chunk as Buffer)
    }
    if (temporary) {
      out.end()
      await finished(out)
      await rename(temporary, (target as {file: string}).file)
    }
  } catch (error) {
    if (temporary) {
      out.destroy()
      await rm(temporary, {force: true})
    }
    throw error instanceof RequestError ? await api.networkError(error) : error
  }
  return {format: options.format as ExportFormat, rows: Number(response.headers['x-rtcc-rows'] ?? 0), bytes, file: 'file' in target ? target.file : null}
}
