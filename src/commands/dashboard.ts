import {oclifFlags, RtccCommand} from '../lib/output/base-command.js'
import {dashboardCommand, type DashboardFlags} from '../lib/output/read-commands.js'

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
  static override flags = oclifFlags(dashboardCommand.flags)

  // bin/run.js usually runs this without oclif (read-commands.ts); this is the path for --help and odd command lines.
  async run(): Promise<void> {
    await dashboardCommand.run(this.io(), this.flags as unknown as DashboardFlags)
  }
}
