/**
 * `rtcc dashboard`: status bar, Alerts on top, Streams and Requests side by side, key hints below;
 * Enter swaps the lists for the selected item's details. Everything it shows comes from the hooks over
 * the data source; the components only draw. It fills the terminal minus one row, because Ink clears
 * the whole screen (a flicker) on every frame once the output reaches the last row.
 */
import {Box, useApp, useInput, useStdout} from 'ink'
import {useEffect, useMemo, useRef, useState} from 'react'

import type {DashboardSource} from '../lib/client/dashboard.js'
import {AlertsPane} from './components/alerts-pane.js'
import {AlertDetails, CaseDetails, StreamDetails} from './components/details.js'
import {HelpOverlay} from './components/help-overlay.js'
import {KeyHints} from './components/key-hints.js'
import {NarrationLine} from './components/narration-line.js'
import {Pane} from './components/pane.js'
import {RequestsPane} from './components/requests-pane.js'
import {StatusBar} from './components/status-bar.js'
import {StreamsPane} from './components/streams-pane.js'
import {useDashboardData} from './hooks/use-dashboard-data.js'
import {type Narration, useNarration} from './hooks/use-narration.js'
import {useNow} from './hooks/use-now.js'
import {useSyncReducer} from './hooks/use-sync-reducer.js'
import {type Size, useTerminalSize} from './hooks/use-terminal-size.js'
import {selectCases, unacknowledged} from './model/data.js'
import {initialUi, keyAction, uiReducer} from './model/ui.js'
import {zoneName} from './render/format.js'
import {detectTheme, type Theme, ThemeContext} from './theme.js'

export interface AppProps {
  source: DashboardSource
  title?: string
  /** Replay events after this id at start (default 0: all the server still holds). */
  lastEventId?: number
  /** Radius of the map around a panic. */
  mapRadiusMetres?: number
  /** A fixed size instead of the terminal's (tests). */
  size?: Size
  theme?: Theme
  /** A line of commentary above the panes (`rtcc demo` narrates its scenario). */
  narration?: Narration
}

const matches = (filter: string, ...texts: (string | undefined)[]) => !filter || texts.some((t) => t?.toLowerCase().includes(filter.toLowerCase()))

export function App({source, title = 'rtcc dashboard', lastEventId = 0, mapRadiusMetres = 500, size: fixedSize, theme: fixedTheme, narration}: AppProps) {
  const {exit} = useApp()
  const {stdout} = useStdout()
  const theme = useMemo(() => fixedTheme ?? detectTheme(stdout), [fixedTheme, stdout])
  const size = useTerminalSize(fixedSize)
  const now = useNow()
  const [data, dispatch] = useDashboardData(source, {lastEventId})
  const [ui, uiDispatch, currentUi] = useSyncReducer(uiReducer, initialUi)
  const [user, setUser] = useState<string>()
  const narrated = useNarration(narration)

  useEffect(() => {
    source.whoami().then(
      (me) => setUser(`${me.username} (${me.role})`),
      () => undefined,
    )
  }, [source])

  const alerts = useMemo(() => (ui.filter ? data.alerts.filter((a) => matches(ui.filter, a.title, a.detail, a.type)) : data.alerts), [data.alerts, ui.filter])
  const streams = useMemo(() => data.streams.filter((s) => matches(ui.filter, s.cameraName, s.site, s.policyMode)), [data.streams, ui.filter])
  const cases = useMemo(() => selectCases(data.requests).filter((c) => matches(ui.filter, c.caseId)), [data.requests, ui.filter])
  const newAlerts = useMemo(() => unacknowledged(data.alerts), [data.alerts])

  const keysOf = (focus: typeof ui.focus) => (focus === 'alerts' ? alerts.map((a) => String(a.id)) : focus === 'streams' ? streams.map((s) => s.key) : cases.map((c) => c.caseId))
  // Streams and cases are few; alerts can be 10,000, so their keys are only listed on a key press.
  const selectedKey = (() => {
    if (ui.focus === 'alerts') return undefined
    const keys = keysOf(ui.focus)
    const wanted = ui.selected[ui.focus]
    return wanted !== undefined && keys.includes(wanted) ? wanted : keys[0]
  })()
  const firstAlert = (selected: string | undefined) => alerts.find((a) => String(a.id) === selected) ?? alerts[0]
  const selectedAlert = firstAlert(ui.selected.alerts)

  const rows = Math.max(10, size.rows - 1)
  const main = rows - 2 - (narration ? 1 : 0)
  const bottom = Math.max(5, Math.floor(main * 0.45))
  const left = Math.floor(size.columns / 2)

  // Keys are handled against the state as it is now, not as of the last render (see useSyncReducer).
  const lists = useRef({keysOf, firstAlert, alerts, page: 1})
  lists.current = {keysOf, firstAlert, alerts, page: Math.max(1, main - 6)}
  useInput((input, key) => {
    const now = currentUi()
    const {keysOf: keysNow, firstAlert: alertNow, alerts: shown, page} = lists.current
    const command = keyAction(now, input, key, keysNow(now.focus), page)
    if (!command) return
    if ('quit' in command) exit()
    else if ('acknowledge' in command) {
      const selected = now.focus === 'alerts' ? alertNow(now.selected.alerts) : undefined
      const ids = command.acknowledge === 'all' ? shown.map((a) => a.id) : selected ? [selected.id] : []
      if (ids.length) dispatch({type: 'acknowledge', ids})
    } else uiDispatch(command.ui)
  })

  const details = () => {
    const area = {width: size.columns, height: main}
    if (ui.focus === 'alerts' && selectedAlert) return <AlertDetails alert={selectedAlert} source={source} radiusMetres={mapRadiusMetres} now={now} {...area} />
    const stream = ui.focus === 'streams' ? streams.find((s) => s.key === selectedKey) : undefined
    if (stream) return <StreamDetails stream={stream} source={source} now={now} {...area} />
    const row = ui.focus === 'requests' ? cases.find((c) => c.caseId === selectedKey) : undefined
    if (row) return <CaseDetails row={row} requests={data.requests} {...area} />
    return <Pane title="No longer listed" focused {...area} />
  }

  return (
    <ThemeContext.Provider value={theme}>
      <Box flexDirection="column" width={size.columns} height={rows}>
        <StatusBar title={title} server={`${source.server} ${zoneName()}`} user={user} connection={data.connection} now={now} width={size.columns} />
        {narration ? <NarrationLine line={narrated} width={size.columns} /> : null}
        {ui.overlay === 'help' ? (
          <HelpOverlay width={size.columns} height={main} />
        ) : ui.overlay === 'details' ? (
          details()
        ) : (
          <>
            <AlertsPane alerts={alerts} total={data.alerts.length} unacknowledged={newAlerts} selectedId={selectedAlert?.id} focused={ui.focus === 'alerts'} width={size.columns} height={main - bottom} filter={ui.filter} />
            <Box>
              <StreamsPane streams={streams} selectedId={ui.selected.streams} focused={ui.focus === 'streams'} width={left} height={bottom} now={now} />
              <RequestsPane cases={cases} error={data.requestsError} selectedId={ui.selected.requests} focused={ui.focus === 'requests'} width={size.columns - left} height={bottom} />
            </Box>
          </>
        )}
        <KeyHints ui={ui} width={size.columns} />
      </Box>
    </ThemeContext.Provider>
  )
}
