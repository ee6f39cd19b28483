/**
 * `POST /v1/registry/import`: the file streams in as the request body and is parsed row by row
 * (memory stays flat: duplicates are found by the staging file's key, not a map in memory); valid
 * rows go to a staging file, then one audited transaction applies them. An upload that is cut off
 * (the client killed, the connection lost) applies nothing. Agency users can only import cameras
 * inside their jurisdiction.
 */
import type {Readable} from 'node:stream'

import type {CameraInput} from '../../domain/camera.js'
import {IMPORT_OPTIONS_HEADER, ImportRequestOptions, type ImportedReject, type ImportSummary} from '../../domain/registry-import.js'
import {CliError} from '../../output/errors.js'
import {parseColumnMap} from '../../registry/column-map.js'
import {compileArea} from '../../registry/geo.js'
import {readCameras} from '../../registry/import.js'
import {OWNER_SOURCE, ownerRowProblem} from '../../registry/owner-rows.js'
import type {FieldError} from '../../registry/validate.js'
import {getOwnerRegisteredCamera} from '../../store/cameras.js'
import {applyStaged, countStaged, ImportStaging, resolveStagedOwners, withStaging} from '../../store/registry-import.js'
import {badRequest, HttpError} from '../http-error.js'
import {defineRoute} from '../route.js'
import {cameraScope} from '../scope.js'

export const MAX_LISTED_REJECTS = 10_000
/** The listed rejects carry their original cells; this bounds what a file of huge bad rows can hold. */
const MAX_LISTED_REJECT_CHARS = 20_000_000

function parseOptions(header: string | string[] | undefined) {
  try {
    return ImportRequestOptions.parse(JSON.parse(String(header ?? '{}')))
  } catch (error) {
    throw badRequest(`${IMPORT_OPTIONS_HEADER} header: ${(error as Error).message}`, IMPORT_OPTIONS_HEADER)
  }
}

const duplicateOf = (camera: CameraInput, firstRow: number): FieldError => ({
  field: 'external_id',
  message: `duplicates row ${firstRow} (same source "${camera.source}" and external_id)`,
  expected: 'an external_id that is unique within its source',
  value: camera.externalId,
})

const uploadCut = () => new HttpError(400, 'upload_incomplete', 'the upload ended before the end of the file (client stopped or connection lost); nothing was imported')

export const registryImportRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/registry/import',
    action: 'registry.import',
    roles: ['admin', 'supervisor'],
    handler: async ({ctx, actor, req, tx}): Promise<ImportSummary> => {
      const started = performance.now()
      const options = parseOptions(req.headers[IMPORT_OPTIONS_HEADER])
      const body = req.body as Readable | undefined
      if (typeof body?.[Symbol.asyncIterator] !== 'function') throw badRequest('send the file itself as the body, with content-type application/octet-stream', 'body')
      const fileName = options.fileName ?? 'upload'
      const scope = cameraScope(ctx, actor)
      const inJurisdiction = scope.kind === 'agency' ? compileArea(scope.agency.jurisdiction) : () => true
      const staging = new ImportStaging(ctx.secrets.dir)
      const rejects: ImportedReject[] = []
      let listedChars = 0
      let headers: string[] = []
      let read = 0
      let rejected = 0
      /** Rows of owner-registered cameras identical to the registry (the only ones accepted). */
      let ownerRowsUnchanged = 0
      const reject = (entry: ImportedReject) => {
        rejected++
        if (rejects.length >= MAX_LISTED_REJECTS || listedChars > MAX_LISTED_REJECT_CHARS) return
        listedChars += JSON.stringify(entry.raw).length
        rejects.push(entry)
      }
      try {
        const rows = readCameras(body, {
          format: options.format,
          fileName,
          map: options.map === undefined ? undefined : parseColumnMap(options.map, `${fileName} --map`),
          defaults: options.source ? {source: options.source} : undefined,
          delimiter: options.delimiter,
          encoding: options.encoding,
          allowNullIsland: options.allowNullIsland,
          rejectDuplicates: false,
          onColumns: (columns) => (headers = columns.headers),
        })
        try {
          for await (const row of rows) {
            read++
            if (!row.result.ok) reject({row: row.row, errors: row.result.errors, raw: row.raw})
            else if (!inJurisdiction(row.result.camera))
              reject({row: row.row, raw: row.raw, errors: [{field: 'latitude', message: `outside the jurisdiction of ${scope.kind === 'agency' ? scope.agency.name : 'your agency'}`, expected: 'a location inside your jurisdiction'}]})
            else if (row.result.camera.source === OWNER_SOURCE) {
              // Never staged, never applied: an owner's own camera is theirs to change.
              const problem = ownerRowProblem(row.result.camera, getOwnerRegisteredCamera(ctx.db, scope, row.result.camera.externalId))
              if (problem) reject({row: row.row, raw: row.raw, errors: [problem]})
              else ownerRowsUnchanged++
            } else {
              const first = staging.add(row.row, row.result.camera)
              if (first !== undefined) reject({row: row.row, raw: row.raw, errors: [duplicateOf(row.result.camera, first)]})
            }
          }
        } catch (error) {
          // A problem with the file itself (no latitude column, broken CSV) says so; anything else
          // while the body is still arriving is the upload being cut.
          if (error instanceof CliError || error instanceof HttpError || req.raw.complete) throw error
          throw uploadCut()
        }
        // A cut connection can also look like a clean end of stream: a truncated file is never applied.
        if (!req.raw.complete) throw uploadCut()
        staging.close()
        return withStaging(ctx.db, staging.file, () => {
          const ownersCreated = resolveStagedOwners(ctx.db)
          // Counting is a pass of its own; a plain update learns its counts from applying.
          const atomicBlocked = options.atomic && rejected > 0
          const counts = options.dryRun || atomicBlocked || options.onConflict !== 'update' ? countStaged(ctx.db) : undefined
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
            rejects,
            rejectsTruncated: rejected > rejects.length,
            seconds: 0,
          }
          return tx(
            () => {
              if (applied) {
                const done = applyStaged(ctx.db, {onConflict: options.onConflict, now: ctx.now().toISOString(), sources: staging.stagedSources})
                if (!counts) Object.assign(summary, {inserted: done.inserted, updated: done.updated, conflicts: done.updated, unchanged: staging.staged - done.inserted - done.updated + ownerRowsUnchanged})
              }
              summary.seconds = Math.round((performance.now() - started) / 10) / 100
              return summary
            },
            {detail: ({rejects: _listed, headers: _headers, ...facts}) => facts, target: fileName},
          )
        })
      } finally {
        staging.discard()
      }
    },
  }),
]
