/**
 * One line: where we are connected, as whom, whether events are flowing (and how late), or loudly
 * that the server is gone and we are reconnecting — an operator must never think a silent screen
 * means a quiet night.
 */
import {Box, Text} from 'ink'

import type {Connection} from '../model/data.js'
import {duration, truncateWords} from '../render/format.js'
import {accent, useTheme} from '../theme.js'

export interface StatusBarProps {
  title: string
  server: string
  user?: string
  connection: Connection
  now: number
  width: number
}

export function connectionText(connection: Connection, now: number, unicode = true): {text: string; tone: 'ok' | 'warn' | 'bad'} {
  const dot = unicode ? '●' : '*'
  const cross = unicode ? '✖' : 'x'
  switch (connection.state) {
    case 'connected': {
      const lag = connection.lagMs === undefined ? '' : ` · lag ${connection.lagMs < 1000 ? `${connection.lagMs} ms` : duration(connection.lagMs)}`
      const caught = connection.caughtUp ? ` · ${connection.caughtUp} replayed` : ''
      return {text: `${dot} live${lag}${caught}`, tone: 'ok'}
    }
    case 'connecting':
      return connection.downSince === undefined
        ? {text: `${unicode ? '◌' : 'o'} connecting…`, tone: 'warn'}
        : {text: `${cross} SERVER LOST ${duration(now - connection.downSince)} ago · reconnecting (try ${connection.attempts + 1})`, tone: 'bad'}
    case 'disconnected':
      return {text: `${cross} SERVER LOST ${duration(now - (connection.downSince ?? connection.since))} ago · retrying${connection.detail ? `: ${connection.detail}` : ''}`, tone: 'bad'}
    case 'stopped':
      return {text: `${cross} STOPPED: ${connection.detail ?? 'event stream ended'}`, tone: 'bad'}
  }
}

const TONE_COLOR = {ok: 'green', warn: 'yellow', bad: 'red'} as const

/**
 * The title and the connection state come first and keep their room; who and where fill what is left.
 * Either is cut at a word or field boundary with `…`, never mid-word, so the line always fits `width`.
 */
export function StatusBar({title, server, user, connection, now, width}: StatusBarProps) {
  const theme = useTheme()
  const {text, tone} = connectionText(connection, now, theme.unicode)
  const state = truncateWords(text, Math.max(0, width - title.length - 2))
  const left = `${title}  ${state}`.length
  const room = width - left - 2
  const right = room > 1 ? truncateWords(`${user ? `${user} @ ` : ''}${server}`, room) : ''
  return (
    <Box width={width}>
      <Text wrap="truncate">
        <Text bold>{title.slice(0, width)}</Text>
        {state ? '  ' : ''}
        <Text color={accent(theme, TONE_COLOR[tone])} bold={tone === 'bad'} inverse={tone === 'bad'}>
          {state}
        </Text>
        {right ? <Text dimColor>{' '.repeat(width - left - right.length)}{right}</Text> : null}
      </Text>
    </Box>
  )
}
