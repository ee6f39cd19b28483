import {Flags} from '@oclif/core'

import type {DeviceView} from '../../../lib/domain/device.js'
import {usageError} from '../../../lib/errors.js'
import {RtccCommand} from '../../../lib/output/base-command.js'

export default class OwnerDeviceAdd extends RtccCommand<typeof OwnerDeviceAdd> {
  static override summary = 'Let your phone raise a panic: shows a one-time link and QR code, then vouches for the key your phone makes.'
  static override description =
    'Open the link on your phone (it works once, for 15 minutes). The phone makes its own key, which never leaves it, and shows a code; when the same code shows here, your owner key signs a statement vouching for the phone. Cores accept panics from vouched phones only. Off a terminal, pass --yes to vouch without comparing codes (compare the "key" line with the phone anyway).'
  static override examples = ['<%= config.bin %> owner device add --name "Mo\'s phone"', '<%= config.bin %> owner device add --name phone --yes --json']
  static override flags = {
    name: Flags.string({description: 'A name for the phone, to recognise it in `owner device list`.', default: 'phone'}),
    yes: Flags.boolean({char: 'y', description: 'Vouch for the key the phone sends without asking to compare codes (scripts).'}),
  }

  async run(): Promise<DeviceView> {
    const [{addDevice}, {renderQr}] = await Promise.all([import('../../../lib/client/devices.js'), import('../../../lib/output/qr.js')])
    const prompts = !this.flags.yes && this.interactive() ? await import('@inquirer/prompts') : undefined
    if (!this.flags.yes && !prompts) throw usageError('vouching for a phone needs you to compare its code', 'Run it on a terminal, or pass --yes.')
    const device = await addDevice(await this.api(), {
      name: this.flags.name,
      onLink: async (link) => {
        // On stderr: under --json, stdout holds only the result.
        this.note(`Open this link on your phone (once, within 15 minutes):\n  ${link}`)
        if (process.stderr.isTTY) this.note(await renderQr(link))
        this.note('waiting for the phone…')
      },
      confirmKey: async (keyId) => {
        this.note(`the phone sent key ${keyId}`)
        return prompts ? prompts.confirm({message: `Does your phone show the code ${keyId}?`, default: false}) : true
      },
    })
    this.out(`vouched for ${device.name} (${device.id}, key ${device.keyId}): it can raise a panic now. \`rtcc owner device revoke ${device.id}\` takes it back.`)
    return device
  }
}
