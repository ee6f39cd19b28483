/**
 * The dashboard's data, kept current from the server: follows the event stream (the client reconnects
 * with backoff and resumes with Last-Event-ID), reloads requests and streams on every (re)connection, and
 * hands events to the reducer in batches — one per burst, so a replay of thousands renders once.
 */
import {type Dispatch, useEffect, useReducer, useRef} from 'react'

import type {DashboardSource} from '../../lib/client/dashboard.js'
import type {RtccEvent} from '../../lib/domain/events.js'
import {type DashboardData, type DataAction, dataReducer, initialData} from '../model/data.js'
import {streamOf} from '../model/event-map.js'

export interface DataOptions {
  /** Replay events after this id first (0: everything the server still holds). */
  lastEventId?: number
}

/**
 * Stream events carry bitrate, fps and viewers as they were when the stream started; while streams
 * are live, the server's list is asked for again this often to keep those figures current.
 */
export const STREAM_REFRESH_MS = 10_000

export function useDashboardData(source: DashboardSource, options: DataOptions = {}): [DashboardData, Dispatch<DataAction>] {
  const [data, dispatch] = useReducer(dataReducer, undefined, () => initialData())
  // Read by the refresh timer, which is set up once.
  const live = useRef({streams: 0, connected: false})
  live.current = {streams: data.streams.length, connected: data.connection.state === 'connected'}

  useEffect(() => {
    const controller = new AbortController()
    let queue: RtccEvent[] = []
    let flushing: NodeJS.Immediate | undefined
    const flush = () => {
      flushing = undefined
      const events = queue
      queue = []
      if (events.length) dispatch({type: 'events', events, receivedAt: Date.now()})
    }
    const active = () => !controller.signal.aborted
    // On every (re)connection: events beyond the server's replay buffer are lost, so ask for the
    // current state too. A server without a stream list keeps the streams that events reported.
    const loadState = () => {
      source.listRequests().then(
        (requests) => active() && dispatch({type: 'requests-loaded', requests}),
        (error: Error) => active() && dispatch({type: 'requests-failed', message: error.message}),
      )
      loadStreams()
    }
    const loadStreams = () => {
      const requestedAt = Date.now()
      source.listStreams().then(
        (rows) => active() && dispatch({type: 'streams-loaded', streams: rows.flatMap((row) => streamOf(row, new Date(requestedAt).toISOString()) ?? []), requestedAt}),
        () => undefined,
      )
    }
    const refresh = setInterval(() => live.current.connected && live.current.streams > 0 && loadStreams(), STREAM_REFRESH_MS)
    void (async () => {
      try {
        const events = source.follow({
          lastEventId: options.lastEventId,
          signal: controller.signal,
          onState: (state, detail) => {
            flush()
            dispatch({type: 'connection', state, detail, at: Date.now()})
            if (state === 'connected') loadState()
          },
        })
        for await (const event of events) {
          queue.push(event)
          flushing ??= setImmediate(flush)
        }
      } catch (error) {
        if (!controller.signal.aborted) dispatch({type: 'connection', state: 'stopped', detail: (error as Error).message, at: Date.now()})
      }
    })()
    return () => {
      controller.abort()
      clearInterval(refresh)
      if (flushing) clearImmediate(flushing)
    }
  }, [source, options.lastEventId])

  return [data, dispatch]
}
