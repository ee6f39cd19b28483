/** Recorded video on Cores (list, pull) and the Core's clip upload: HTTP over services/recordings. */
import {PullBody, RecordingWindowQuery, UPLOAD_PATH} from '../../domain/recording.js'
import {STREAM_VIEWERS} from '../../domain/stream.js'
import * as recordings from '../../services/recordings.js'
import {defineRoute} from '../route.js'
import {isStream} from './evidence.js'
import {answerer} from './requests.js'

const VIEWERS = [...STREAM_VIEWERS]
/** A list without a window covers the last 30 days. */
const DEFAULT_LIST_MS = 30 * 86_400_000

export const recordingRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/recordings/:camera',
    action: 'recording.list',
    roles: VIEWERS,
    query: RecordingWindowQuery,
    handler: ({ctx, actor, params, query}) => {
      const to = query.to ?? ctx.now().toISOString()
      const from = query.from ?? new Date(Date.parse(to) - DEFAULT_LIST_MS).toISOString()
      return recordings.listRecordings(ctx, actor, {cameraId: params.camera!, window: {from, to}})
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/recordings/:camera/pull',
    action: 'recording.pull',
    roles: VIEWERS,
    body: PullBody,
    handler: async ({ctx, actor, params, body, req, reply}) => {
      const result = await recordings.pullRecording(ctx, actor, {cameraId: params.camera!, window: {from: body.from, to: body.to}, caseId: body.caseId, source: req.ip})
      reply.code(201)
      return result
    },
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/requests/:id/from-core',
    action: 'request.fulfil_from_core',
    roles: 'public',
    rateLimit: {max: 30, windowSeconds: 60},
    handler: ({ctx, actor, params, req}) => recordings.fulfilFromCore(ctx, answerer(req, actor, params), {source: req.ip}),
  }),

  defineRoute({
    method: 'POST',
    url: UPLOAD_PATH,
    action: 'recording.upload',
    roles: 'public',
    rateLimit: {max: 120, windowSeconds: 60},
    handler: async ({ctx, req, reply}) => {
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1]
      reply.code(201)
      return recordings.receiveRecordingUpload(ctx, {token, body: isStream(req.body) ? req.body : undefined})
    },
  }),
]
