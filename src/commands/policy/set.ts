import {Args, Flags} from '@oclif/core'

import {SHARING_MODES} from '../../lib/domain/policy.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class PolicySet extends RtccCommand<typeof PolicySet> {
  static override summary = "Set a camera's sharing policy (owner): live and recorded video separately, optionally on a schedule."
  static override description = `Modes: always; emergency (only while your panic is active, at most --emergency-minutes); approval (only inside a window you approved for an access request); never.

Through your session the new policy is signed with your owner key (made on first use in your rtcc config folder, mode 0600, and registered with the server) and queued for your Core, which accepts it only with your signature. The server cannot change a policy. On the Core host, --config-dir edits the Core's policy file directly, without the server.

A schedule typed without --time-zone is read in this computer's time zone.`
  static override examples = [
    '<%= config.bin %> policy set cam_01… --live emergency --recorded approval',
    '<%= config.bin %> policy set "Front door" --live always --schedule "Mon-Fri 22:00-06:00; Sat,Sun" --time-zone America/Chicago',
    '<%= config.bin %> policy set cam_01… --live emergency --emergency-minutes 90 --json',
    '<%= config.bin %> policy set cam_01… --recorded never --config-dir /etc/rtcc-core   # on the Core host',
  ]
  static override args = {camera: Args.string({required: true, description: 'Camera id (cam_…) or name.'})}
  static override flags = {
    live: Flags.string({options: [...SHARING_MODES], description: 'Mode for live video.'}),
    recorded: Flags.string({options: [...SHARING_MODES], description: 'Mode for recorded video.'}),
    schedule: Flags.string({description: 'When sharing is possible at all (both kinds): "Mon-Fri 22:00-06:00", "Sat,Sun", several joined by ";"; "none" removes it.'}),
    'live-schedule': Flags.string({description: 'Schedule for live video only.'}),
    'recorded-schedule': Flags.string({description: 'Schedule for recorded video only.'}),
    'time-zone': Flags.string({description: 'IANA time zone the schedule is written in (e.g. America/Chicago).'}),
    'emergency-minutes': Flags.integer({min: 1, max: 1440, description: 'The most a panic opens this camera for (default 60).'}),
    'config-dir': Flags.string({description: "The Core's config folder: edit the policy on the Core host itself."}),
  }

  async run() {
    const [{changesFromFlags}, {renderPolicy}] = await Promise.all([import('../../lib/policy/edit.js'), import('../../lib/policy/render.js')])
    const changes = changesFromFlags(this.flags, Intl.DateTimeFormat().resolvedOptions().timeZone)
    const dir = this.flags['config-dir']
    if (dir) {
      const {editLocalPolicy} = await import('../../lib/core/local-policy.js')
      const policy = editLocalPolicy(dir, this.args.camera, changes)
      this.out(renderPolicy(policy) + `saved in ${dir}; the Core applies it to the next request.`)
      return {policy, where: 'core-config', configDir: dir}
    }
    const {setPolicy} = await import('../../lib/client/policy.js')
    const result = await setPolicy(await this.api(), this.args.camera, changes)
    if (result.key.created) this.note(`made your owner key ${result.key.keyId} in ${result.key.file}; back it up: it is the only key that can change your policies`)
    for (const warning of result.warnings) this.note(`! ${warning}`)
    this.out(renderPolicy(result.policy) + `signed with owner key ${result.key.keyId}; ${result.view.pendingVersion ? 'your Core applies it when it next connects' : 'applied'}.`)
    return result
  }
}
