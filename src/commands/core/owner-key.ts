import {Flags} from '@oclif/core'

import {configDirFlag} from '../../lib/core/command-flags.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class CoreOwnerKey extends RtccCommand<typeof CoreOwnerKey> {
  static override summary = 'Set the owner key this Core trusts for signed policies, panics and approvals (on the Core host).'
  static override description = 'Provisioning takes the owner\'s key from the server when the owner already has one. If the owner made their key later (or replaced it), read the public key from `rtcc policy key` on the owner\'s computer and set it here. Only the Core host can change this: the server cannot.'
  static override examples = ['<%= config.bin %> core owner-key --key 9yQd3c…43 characters…', '<%= config.bin %> core owner-key --key 9yQd3c… --config-dir /etc/rtcc-core --json']
  static override flags = {
    key: Flags.string({description: 'The owner\'s public key (base64url, 43 characters), as `rtcc policy key` prints it.', required: true}),
    'config-dir': configDirFlag,
  }

  async run() {
    const [{setOwnerKey}, {coreConfigDir}] = await Promise.all([import('../../lib/core/owner-key.js'), import('../../lib/core/config.js')])
    const result = setOwnerKey(coreConfigDir(this.flags['config-dir']), this.flags.key)
    this.out(`this Core now trusts owner key ${result.keyId} for ${result.ownerId}${result.previousKeyId ? ` (was ${result.previousKeyId})` : ''}; compare the key id with the owner's \`rtcc policy key\``)
    return result
  }
}
