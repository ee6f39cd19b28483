/** Resumable uploads (tus 1.0) for the footage-request page: thin routes over server/uploads.ts. */
import {defineRoute} from '../route.js'
import {UPLOADS_PATH} from '../uploads.js'

// A resumed upload is a HEAD and a PATCH per attempt; a page sends a few files per camera.
const rateLimit = {max: 600, windowSeconds: 60}

export const uploadRoutes = [
  defineRoute({method: 'POST', url: UPLOADS_PATH, action: 'evidence.upload.start', roles: 'public', rateLimit, handler: ({ctx, req, reply}) => ctx.uploads.handle(ctx, req, reply)}),
  defineRoute({method: 'HEAD', url: `${UPLOADS_PATH}/:uploadId`, action: 'evidence.upload.offset', roles: 'public', rateLimit, handler: ({ctx, req, reply, params}) => ctx.uploads.handle(ctx, req, reply, params.uploadId)}),
  defineRoute({method: 'PATCH', url: `${UPLOADS_PATH}/:uploadId`, action: 'evidence.upload', roles: 'public', rateLimit, handler: ({ctx, req, reply, params}) => ctx.uploads.handle(ctx, req, reply, params.uploadId)}),
  defineRoute({method: 'DELETE', url: `${UPLOADS_PATH}/:uploadId`, action: 'evidence.upload.abandon', roles: 'public', rateLimit, handler: ({ctx, req, reply, params}) => ctx.uploads.handle(ctx, req, reply, params.uploadId)}),
]
