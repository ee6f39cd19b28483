/**
 * Bulk import of registry cameras: the file is parsed row by row as it arrives, in a worker thread
 * (registry-import-rows.ts), while this thread stages the valid rows it sends back in batches. Memory
 * stays flat: rows repeated within the file are found by the staging area's key, not a map in
 * memory. Then one audited transaction applies the staged rows. A file that is cut off
 * (the client killed, the connection lost) applies nothing. Agency users can only import cameras
 * inside their jurisdiction. Validation is src/lib/registry's; staging and applying are the store's.
 */
import {setImmediate} from 'node:timers/promises'

import type {ImportedReject, ImportRequestOptions, ImportSummary} from '../domain/registry-import.js'
import {RtccError} from '../errors.js'
import {duplicateError} from '../registry/import.js'
import {ownerRowProblem} from '../registry/owner-rows.js'
import type {ByteSource} from '../registry/text-input.js'
import {HttpError} from '../server/http-error.js'
import {cameraScope} from '../server/scope.js'
import type {StagedRow} from '../store/store.js'
import type {Actor, ServiceContext} from './context.js'
import {readRowBatches, unpackCamera, type RowBatch, type WorkerInput} from './registry-import-rows.js'

/** Rejects listed in the summary at most (all are counted). */
const MAX_LISTED_REJECTS = 10_000
/** The listed rejects carry their original cells; this bounds what a file of huge bad rows can hold. */
const MAX_LISTED_REJECT_CHARS = 20_000_000

/** The rejects listed in the summary: the first ones in file order, within both caps. */
class RejectList {
  readonly entries: ImportedReject[] = []
  private chars = 0

  /** Lists an entry that comes after every listed one, unless the list is full. */
  add(entry: ImportedReject): void {
    if (this.entries.length >= MAX_LISTED_REJECTS || this.chars > MAX_LISTED_REJECT_CHARS) return
    this.chars += JSON.stringify(entry.raw).length
    this.entries.push(entry)
  }
}

export interface ImportInput {
  options: ImportRequestOptions & {onConflict: 'update' | 'skip' | 'fail'; dryRun: boolean; atomic: boolean}
  body: ByteSource
  /** Whether the whole file arrived (false when the upload was cut). */
  complete(): boolean
}

const uploadCut = () => new HttpError(400, 'upload_incomplete', 'the upload ended before the end of the file (client stopped or connection lost); nothing was imported')

export async function importCameras(ctx: ServiceContext, actor: Actor, input: ImportInput): Promise<ImportSummary> {
  const started = performance.now()
  const {options} = input
  const fileName = options.fileName ?? 'upload'
  const scope = await cameraScope(ctx, actor)
  const staging = await ctx.store.stageImport()
  /** Rejects other than the repeats found at the end of staging (which come last, and merge in by row). */
  const listed = new RejectList()
  let headers: string[] = []
  let read = 0
  let rejected = 0
  /** Rows of owner-registered cameras identical to the registry (the only ones accepted). */
  let ownerRowsUnchanged = 0
  /** Stages a batch's valid rows, if any, then lists its rejects (rows repeating an earlier one among them) in file order. */
  const take = async (batch: RowBatch) => {
    read += batch.rows.length + batch.others.length
    const found: ImportedReject[] = []
    for (const other of batch.others) {
      if ('reject' in other) found.push(other.reject)
      else {
        // Never staged, never applied: an owner's own camera is theirs to change.
        const problem = ownerRowProblem(other.owner, await ctx.store.cameras.getOwnerRegisteredCamera(scope, other.owner.externalId))
        if (problem) found.push({row: other.row, raw: other.raw, errors: [problem]})
        else ownerRowsUnchanged++
      }
    }
    const suspects = new Map(batch.suspects)
    for (let start = 0; start < batch.rows.length; start += staging.batchRows) {
      const end = Math.min(start + staging.batchRows, batch.rows.length)
      const staged: StagedRow[] = []
      for (let i = start; i < end; i++) {
        const row = batch.rows[i]!
        const raw = suspects.get(row)
        staged.push({row, camera: unpackCamera(batch.fields, i), maybeRepeat: raw !== undefined, raw})
      }
      const firsts = await staging.add(staged)
      firsts.forEach((first, i) => {
        if (first === undefined) return
        const {row, camera} = staged[i]!
        found.push({row, raw: suspects.get(row) ?? {}, errors: [duplicateError(camera, first)]})
      })
    }
    rejected += found.length
    for (const entry of found.sort((a, b) => a.row - b.row)) listed.add(entry)
  }
  try {
    const readOptions: WorkerInput['read'] = {
      format: options.format,
      fileName,
      map: options.map,
      defaults: options.source ? {source: options.source} : undefined,
      delimiter: options.delimiter,
      encoding: options.encoding,
      allowNullIsland: options.allowNullIsland,
    }
    const jurisdiction = scope.kind === 'agency' ? {name: scope.agency.name, area: scope.agency.jurisdiction} : undefined
    const workerInput: WorkerInput = {read: readOptions, jurisdiction}
    try {
      for await (const batch of readRowBatches(input.body, workerInput, (columns) => (headers = columns))) {
        await take(batch)
        // Staging a batch holds this thread a millisecond or two: other requests go in between.
        await setImmediate()
      }
    } catch (error) {
      // A problem with the file itself (no latitude column, broken CSV) says so; anything else
      // while the body is still arriving is the upload being cut.
      if (error instanceof RtccError || error instanceof HttpError || input.complete()) throw error
      throw uploadCut()
    }
    // A cut connection can also look like a clean end of stream: a truncated file is never applied.
    if (!input.complete()) throw uploadCut()
    const late = await staging.endStaging(MAX_LISTED_REJECTS)
    rejected += late.repeats
    const repeats = late.listed.map(({row, raw, first, ...key}): ImportedReject => ({row, raw, errors: [duplicateError(key, first)]}))
    const rejects = new RejectList()
    for (const entry of [...listed.entries, ...repeats].sort((a, b) => a.row - b.row)) rejects.add(entry)
    const ownersCreated = await staging.resolveOwners()
    // Counting is a pass of its own; a plain update learns its counts from applying.
    const atomicBlocked = options.atomic && rejected > 0
    const counts = options.dryRun || atomicBlocked || options.onConflict !== 'update' ? await staging.count() : undefined
    const blocked = atomicBlocked || (options.onConflict === 'fail' && counts!.changed > 0)
    const applied = !options.dryRun && !blocked
    const summary: ImportSummary = {
      fileName,
      read,
      inserted: counts?.fresh ?? 0,
      updated: options.onConflict === 'update' ? (counts?.changed ?? 0) : 0,
      unchanged: (counts?.same ?? 0) + ownerRowsUnchanged,
      skipped: options.onConflict === 'skip' ? counts!.changed : 0,
      rejected,
      ownersCreated,
      conflicts: counts?.changed ?? 0,
      applied,
      dryRun: options.dryRun,
      atomic: options.atomic,
      onConflict: options.onConflict,
      headers,
      rejects: rejects.entries,
      rejectsTruncated: rejected > rejects.entries.length,
      seconds: 0,
    }
    return await ctx.audited(
      async () => {
        if (applied) {
          const done = await staging.apply({onConflict: options.onConflict, now: ctx.now().toISOString()})
          if (!counts) Object.assign(summary, {inserted: done.inserted, updated: done.updated, conflicts: done.updated, unchanged: staging.staged - done.inserted - done.updated + ownerRowsUnchanged})
        }
        summary.seconds = Math.round((performance.now() - started) / 10) / 100
        return summary
      },
      ({rejects: _listed, headers: _headers, ...facts}) => ({detail: facts, target: fileName}),
    )
  } finally {
    await staging.discard()
  }
}
