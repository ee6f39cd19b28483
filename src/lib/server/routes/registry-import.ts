/**
 * `POST /v1/registry/import`: the file streams in as the request body (options in a header) and goes
 * to services/registry-import; the upload counts as complete only when the whole body arrived.
 */
import type {Readable} from 'node:stream'

import {IMPORT_OPTIONS_HEADER, ImportRequestOptions, type ImportSummary} from '../../domain/registry-import.js'
import {importCameras} from '../../services/registry-import.js'
import {badRequest} from '../http-error.js'
import {defineRoute} from '../route.js'

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
    handler: ({ctx, actor, req}): Promise<ImportSummary> => {
      const options = parseOptions(req.headers[IMPORT_OPTIONS_HEADER])
      const body = req.body as Readable | undefined
      if (typeof body?.[Symbol.asyncIterator] !== 'function') throw badRequest('send the file itself as the body, with content-type application/octet-stream', 'body')
      return importCameras(ctx, actor, {options, body, complete: () => req.raw.complete})
    },
  }),
]
