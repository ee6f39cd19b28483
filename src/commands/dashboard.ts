import {Flags} from '@oclif/core'

import {RtccCommand} from '../lib/output/base-command.js'
import {usageError} from '../lib/errors.js'
import {canDraw} from '../tui/can-draw.js'

export default class Dashboard extends RtccCommand<typeof Dashboard> {
  static override summary = 'Live RTCC screen: alerts, live streams and footage canvasses as they happen.'
  static override description = `Panes: Alerts (panic, camera or Core offline, requests fulfilled/declined/expired, access requests; newest first, coloured by severity), Streams (live shares now and why they are allowed), Requests (open canvasses by case). Enter opens details: a map of registered cameras around a panic, the live picture of a stream.
If the server goes away the status bar says so at once; the dashboard reconnects with backoff and replays every event it missed. Keys: Tab/arrows/j/k move, Enter details, a acknowledge, / filter, ? help, q quit. Honours NO_COLOR.`
  static override examples = [
    '<%= config.bin %> dashboard',
    '<%= config.bin %> dashboard --map-radius 300m',
    '<%= config.bin %> dashboard --since-id 0 --profile county',
  ]
  static override enableJsonFlag = false
  static override flags = {
    'map-radius': Flags.string({description: 'Radius of the camera map around a panic (m, km, ft, mi).', default: '500m'}),
    'since-id': Flags.integer({description: 'Replay events after this id at start (0: all the server still holds).', min: 0, default: 0}),
  }

  async run(): Promise<void> {
    if (!canDraw())
      throw usageError('rtcc dashboard needs an interactive terminal', 'Run it in a terminal (not piped, CI unset); for a script, use `rtcc events tail --json`.')
    // React's development build times every render into performance marks, cloning props (10,000
    // alerts) each time: seconds per event. Set before Ink and React are first imported.
    process.env.NODE_ENV ??= 'production'
    // Ink and React take most of the start-up time: load them while the client connects.
    const [{parseDistance}, api, {apiDashboardSource}, {runDashboard}] = await Promise.all([import('../lib/domain/camera.js'), this.jsonApi(), import('../lib/client/dashboard.js'), import('../tui/run.js')])
    const mapRadiusMetres = parseDistance(this.flags['map-radius'], '--map-radius')
    await runDashboard({source: apiDashboardSource(api), lastEventId: this.flags['since-id'], mapRadiusMetres})
  }
}
