/**
 * `POST /v1/registry/import`: the file streams in as the request body and is parsed row by row
 * (memory stays flat); valid rows go to a staging file, then one audited transaction applies them.
 * Agency users can only import cameras inside their jurisdiction.
 */
import type {Readable} from 'node:stream'

import {IMPORT_OPTIONS_HEADER, ImportRequestOptions, type ImportedReject, type ImportSummary} from '../../domain/registry-import.js'
import {parseColumnMap} from '../../registry/column-map.js'
import {compileArea} from '../../registry/geo.js'
import {readCameras} from '../../registry/import.js'
import {applyStaged, ImportStaging, planStaged, withStaging} from '../../store/registry-import.js'
import {badRequest} from '../http-error.js'
import {defineRoute} from '../route.js'
import {cameraScope} from '../scope.js'

export const MAX_LISTED_REJECTS = 10_000

function parseOptions(header: string | string[] | undefined) {
  try {
    return ImportRequestOptions.parse(JSON.parse(String(header ?? '{}')))
  } catch (error) {
    throw badRequest(`${IMPORT_OPTIONS_HEADER} header: ${(error as Error).message}`, IMPORT_OPTIONS_HEADER)
  }
}

export const registryImportRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/registry/import',
    action: 'registry.import',
    roles: ['admin', 'supervisor'],
    handler: async ({ctx, actor, req, tx}): Promise<ImportSummary> => {
      const started = performance.now()
      const options = parseOptions(req.headers[IMPORT_OPTIONS_HEADER])
      const fileName = options.fileName ?? 'upload'
      const scope = cameraScope(ctx, actor)
      const inJurisdiction = scope.kind === 'agency' ? compileArea(scope.agency.jurisdiction) : () => true
      const staging = new ImportStaging(ctx.secrets.dir)
      const rejects: ImportedReject[] = []
      let headers: string[] = []
      let read = 0
      let rejected = 0
      const reject = (entry: ImportedReject) => {
        rejected++
        if (rejects.length < MAX_LISTED_REJECTS) rejects.push(entry)
      }
      try {
        const rows = readCameras(req.body as Readable, {
          format: options.format,
          fileName,
          map: options.map === undefined ? undefined : parseColumnMap(options.map, `${fileName} --map`),
          defaults: options.source ? {source: options.source} : undefined,
          delimiter: options.delimiter,
          encoding: options.encoding,
          allowNullIsland: options.allowNullIsland,
          onColumns: (columns) => (headers = columns.headers),
        })
        for await (const row of rows) {
          read++
          if (!row.result.ok) reject({row: row.row, errors: row.result.errors, raw: row.raw})
          else if (row.result.camera.source === 'owner')
            reject({row: row.row, raw: row.raw, errors: [{field: 'source', message: 'the source "owner" is reserved for cameras owners register themselves', expected: 'another source name', value: 'owner'}]})
          else if (!inJurisdiction(row.result.camera))
            reject({row: row.row, raw: row.raw, errors: [{field: 'latitude', message: `outside the jurisdiction of ${scope.kind === 'agency' ? scope.agency.name : 'your agency'}`, expected: 'a location inside your jurisdiction'}]})
          else staging.add(row.result.camera)
        }
        staging.close()
        const summary = withStaging(ctx.db, staging.file, () => {
          const plan = planStaged(ctx.db)
          const blocked = (options.atomic && rejected > 0) || (options.onConflict === 'fail' && plan.changed > 0)
          const applied = !options.dryRun && !blocked
          const result: ImportSummary = {
            fileName,
            read,
            inserted: plan.fresh,
            updated: options.onConflict === 'update' ? plan.changed : 0,
            unchanged: plan.same,
            skipped: options.onConflict === 'skip' ? plan.changed : 0,
            rejected,
            ownersCreated: plan.ownersCreated,
            conflicts: plan.changed,
            applied,
            dryRun: options.dryRun,
            atomic: options.atomic,
            onConflict: options.onConflict,
            headers,
            rejects,
            rejectsTruncated: rejected > rejects.length,
            seconds: 0,
          }
          const {rejects: _listed, headers: _headers, ...facts} = result
          return tx(() => {
            if (applied) applyStaged(ctx.db, plan, {onConflict: options.onConflict, now: ctx.now().toISOString()})
            return result
          }, {detail: facts, target: fileName})
        })
        summary.seconds = Math.round((performance.now() - started) / 10) / 100
        return summary
      } finally {
        staging.discard()
      }
    },
  }),
]
