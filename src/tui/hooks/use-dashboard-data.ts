/**
 * The dashboard's data, kept current from the server: follows the event stream (the client reconnects
 * with backoff and resumes with Last-Event-ID), reloads requests and streams on every (re)connection, and
 * hands events to the reducer in batches — one per burst, so a replay of thousands renders once.
 */
import {type Dispatch, useEffect, useReducer} from 'react'

import type {DashboardSource} from '../../lib/client/dashboard.js'
import type {RtccEvent} from '../../lib/domain/events.js'
import {type DashboardData, type DataAction, dataReducer, initialData} from '../model/data.js'
import {streamOf} from '../model/event-map.js'

export interface DataOptions {
  /** Replay events after this id first (0: everything the server still holds). */
  lastEventId?: number
}

export function useDashboardData(source: DashboardSource, options: DataOptions = {}): [DashboardData, Dispatch<DataAction>] {
  const [data, dispatch] = useReducer(dataReducer, undefined, () => initialData())

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
    const live = () => !controller.signal.aborted
    // On every (re)connection: events beyond the server's replay buffer are lost, so ask for the
    // current state too. A server without a stream list keeps the streams that events reported.
    const loadState = () => {
      const requestedAt = Date.now()
      source.listRequests().then(
        (requests) => live() && dispatch({type: 'requests-loaded', requests}),
        (error: Error) => live() && dispatch({type: 'requests-failed', message: error.message}),
      )
      source.listStreams().then(
        (rows) => live() && dispatch({type: 'streams-loaded', streams: rows.flatMap((row) => streamOf(row, new Date(requestedAt).toISOString()) ?? []), requestedAt}),
        () => undefined,
      )
    }
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
      if (flushing) clearImmediate(flushing)
    }
  }, [source, options.lastEventId])

  return [data, dispatch]
}
