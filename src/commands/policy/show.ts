import {Args, Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'

export default class PolicyShow extends RtccCommand<typeof PolicyShow> {
  static override summary = 'Show sharing policies: owners see theirs in full, agencies see the modes.'
  static override examples = [
    '<%= config.bin %> policy show',
    '<%= config.bin %> policy show cam_01… --json',
    '<%= config.bin %> policy show --config-dir /etc/rtcc-core   # on the Core host: what it enforces',
  ]
  static override args = {camera: Args.string({description: 'Camera id (cam_…) or name; all when omitted.'})}
  static override flags = {'config-dir': Flags.string({description: "The Core's config folder: show the policies the Core enforces."})}

  async run() {
    const dir = this.flags['config-dir']
    if (dir) {
      const [{showLocalPolicies}, {renderLocalPolicies}] = await Promise.all([import('../../lib/core/local-policy.js'), import('../../lib/policy/render.js')])
      const rows = showLocalPolicies(dir, this.args.camera)
      this.out(renderLocalPolicies(rows))
      return rows
    }
    const [{showPolicies}, {renderPolicyViews}] = await Promise.all([import('../../lib/client/policy.js'), import('../../lib/policy/render.js')])
    const views = await showPolicies(await this.api(), this.args.camera)
    this.out(renderPolicyViews(views))
    return views
  }
}
