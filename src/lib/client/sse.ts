/**
 * Reads a Server-Sent Events stream. Hand-rolled because the format is a few lines (WHATWG HTML §9.2:
 * `field: value` lines, blank line ends an event) and Node 20 has no EventSource; this keeps the pinned
 * TLS options of the got client.
 */
import type {Readable} from 'node:stream'

export interface SseMessage {
  id?: string
  event?: string
  data: string
}

export async function* readSse(stream: Readable): AsyncGenerator<SseMessage> {
  let buffer = ''
  let message: SseMessage = {data: ''}
  let hasData = false
  for await (const chunk of stream) {
    buffer += chunk.toString('utf8')
    let newline: number
    while ((newline = buffer.search(/\r?\n|\r/)) >= 0) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + (buffer[newline] === '\r' && buffer[newline + 1] === '\n' ? 2 : 1))
      if (line === '') {
        if (hasData) yield message
        message = {data: ''}
        hasData = false
        continue
      }
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'data') {
        message.data = hasData ? `${message.data}\n${value}` : value
        hasData = true
      } else if (field === 'id') message.id = value
      else if (field === 'event') message.event = value
    }
  }
}
