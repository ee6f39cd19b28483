import {Flags} from '@oclif/core'

import {CONTACT_PREFERENCES, type Owner} from '../../lib/domain/camera.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class OwnerEdit extends RtccCommand<typeof OwnerEdit> {
  static override summary = 'Change your owner profile; pass only what changes ("" clears an optional field).'
  static override examples = [
    '<%= config.bin %> owner edit --phone "+1 312 555 0199" --contact phone',
    '<%= config.bin %> owner edit --organisation "" --json',
  ]
  static override flags = {
    name: Flags.string({description: 'Your name.'}),
    organisation: Flags.string({description: 'Business or organisation ("" clears it).'}),
    email: Flags.string({description: 'Contact email.'}),
    phone: Flags.string({description: 'Contact phone ("" clears it).'}),
    address: Flags.string({description: 'Postal address ("" clears it).'}),
    contact: Flags.string({description: 'How you prefer to be contacted.', options: [...CONTACT_PREFERENCES]}),
  }

  async run(): Promise<Owner> {
    const [{editMyProfile, ownerPatchFromFlags}, {renderOwner}] = await Promise.all([import('../../lib/client/registry-owners.js'), import('../../lib/output/registry.js')])
    const {profile: _p, server: _s, json: _j, ...fields} = this.flags
    const owner = await editMyProfile(await this.api(), ownerPatchFromFlags(fields))
    this.out(renderOwner(owner))
    return owner
  }
}
