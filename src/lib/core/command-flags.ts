/** Flags shared by the `rtcc core` commands that run on the Core host. */
import {Flags} from '@oclif/core'

import {SHARING_MODES} from '../domain/policy.js'

export const configDirFlag = Flags.string({description: 'The Core\'s config directory (default: $RTCC_CORE_DIR or ~/.config/rtcc-core).', env: 'RTCC_CORE_DIR'})

export const policyFlags = {
  'live-policy': Flags.string({description: 'Starting live-video policy for the cameras (the owner can change it later).', options: [...SHARING_MODES], default: 'never'}),
  'recorded-policy': Flags.string({description: 'Starting recorded-video policy for the cameras.', options: [...SHARING_MODES], default: 'never'}),
}
