import {Flags} from '@oclif/core'

import {RtccCommand} from '../lib/output/base-command.js'
import {usageError} from '../lib/errors.js'
import {dim} from '../lib/output/terminal.js'
import {canDraw} from '../tui/can-draw.js'

export default class Demo extends RtccCommand<typeof Demo> {
  static override summary = 'Run the whole system on this machine: a server, cameras, a registry, a scripted incident, and the dashboard.'
  static override description = `Starts the bundled server in a temporary data dir on a free port, creates an admin, an investigator and two camera owners, seeds the registry with the City of Chicago's red light and speed cameras plus a few thousand generated ones, puts a shop's simulated cameras behind a provisioned Core, and plays a scenario through the real API while the dashboard shows it live: a canvass issued, a resident declining, the shop fulfilling with a clip; then the shop's panic button opening its front door camera, an access request for the register approved by the owner, both watched live, and the panic cleared. The line under the dashboard's status bar narrates each step as it happens and says when the scenario is over.
Ctrl-C (or q in the dashboard) stops everything it started and removes the temporary files. With --no-dashboard it prints the URLs and credentials and exits once the scenario has played, or keeps running with --keep.`
  static override examples = [
    '<%= config.bin %> demo',
    '<%= config.bin %> demo --no-dashboard --keep',
    '<%= config.bin %> demo --no-dashboard --json --registry-size 500',
  ]
  static override flags = {
    dashboard: Flags.boolean({description: 'Open the dashboard (needs a terminal).', default: true, allowNo: true}),
    keep: Flags.boolean({description: 'With --no-dashboard: keep running after the scenario until Ctrl-C.', default: false}),
    port: Flags.integer({description: 'Server port (0 picks a free one).', default: 0, min: 0, max: 65535}),
    cameras: Flags.integer({description: 'Simulated cameras at the shop (front door: emergency, register: approval, alley: always, side street: never).', default: 3, min: 2, max: 4}),
    'registry-size': Flags.integer({description: 'Generated cameras around Chicago, besides the city\'s own.', default: 3000, min: 0, max: 100_000}),
    pace: Flags.integer({description: 'Seconds between scenario steps (default: 4 with the dashboard, 0 without).', min: 0, max: 600}),
  }

  async run(): Promise<Record<string, unknown> | undefined> {
    const withDashboard = this.flags.dashboard
    if (withDashboard && !canDraw()) throw usageError('the demo dashboard needs an interactive terminal', 'Run `rtcc demo --no-dashboard` (add --keep to keep it running).')
    const [{startDemo}, {stepLine, describeDemo}, {VERSION}] = await Promise.all([import('../lib/demo/index.js'), import('../lib/demo/summary.js'), import('../lib/output/version.js')])
    const stopping = new AbortController()
    const onSignal = () => stopping.abort()
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    const demo = await startDemo({
      version: VERSION,
      port: this.flags.port,
      syntheticCameras: this.flags['registry-size'],
      simulatedCameras: this.flags.cameras,
      log: (line) => this.note(dim(line, process.stderr)),
    })
    try {
      const paceMs = (this.flags.pace ?? (withDashboard ? 4 : 0)) * 1000
      if (withDashboard) {
        process.env.NODE_ENV ??= 'production' // see `rtcc dashboard`: React's development build is far slower
        const [{apiDashboardSource}, {runDashboard}, {Narrator, playNarrated}] = await Promise.all([import('../lib/client/dashboard.js'), import('../tui/run.js'), import('../lib/demo/narrator.js')])
        const source = apiDashboardSource(demo.dashboardApi)
        // The dashboard hides this terminal's output: the scenario is narrated inside it instead.
        const narration = new Narrator()
        const scenario = playNarrated(demo, narration, {paceMs, signal: stopping.signal})
        await runDashboard({source, title: 'rtcc demo', signal: stopping.signal, narration})
        stopping.abort()
        const steps = await scenario
        // The server is about to go: what happened is worth keeping, how to connect is not.
        this.out(steps.map(stepLine).join('\n'))
        return {...demo.info, scenario: steps}
      }
      if (!this.jsonEnabled()) this.out(describeDemo(demo.info))
      const steps = await demo.play({paceMs, signal: stopping.signal, onStep: (step) => this.note(stepLine(step))})
      if (!this.flags.keep || stopping.signal.aborted) return {...demo.info, scenario: steps}
      // Scripts need the URLs and credentials while it runs: the one JSON document goes out now.
      if (this.jsonEnabled()) this.logJson({...demo.info, scenario: steps})
      this.note('demo running: press Ctrl-C to stop and clean up')
      await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, {once: true}))
      return undefined
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      this.note(dim('stopping the demo: server, cameras, temporary files…', process.stderr))
      await demo.stop()
    }
  }
}
