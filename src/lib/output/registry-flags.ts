/** Flags shared by `rtcc camera add` and `rtcc camera edit` (their names are what the errors mention). */
import {Flags} from '@oclif/core'

import {LOCATION_TYPES} from '../domain/camera.js'

export const cameraFlags = {
  name: Flags.string({description: 'A name you recognise, e.g. "Front door".'}),
  at: Flags.string({description: 'Location: LAT,LON in decimal degrees (WGS84), e.g. 41.8781,-87.6298.'}),
  address: Flags.string({description: 'Postal address of the camera ("" clears it on edit).'}),
  type: Flags.string({description: 'Kind of place.', options: [...LOCATION_TYPES]}),
  make: Flags.string({description: 'Manufacturer ("" clears it on edit).'}),
  model: Flags.string({description: 'Model ("" clears it on edit).'}),
  view: Flags.string({description: 'What the camera sees, e.g. "sidewalk and parking lot".'}),
  direction: Flags.integer({description: 'Direction it looks, degrees clockwise from north (0-359).', min: 0, max: 359}),
  fov: Flags.integer({description: 'Horizontal field of view in degrees (1-360).', min: 1, max: 360}),
  records: Flags.boolean({description: 'It records footage (--no-records: live only).', allowNo: true}),
  'retention-days': Flags.integer({description: 'Days recordings are kept before being overwritten.', min: 0}),
  live: Flags.boolean({description: 'Live view can be shared through an rtcc Core.', allowNo: true}),
  tag: Flags.string({description: 'A tag (repeatable, or comma-separated).', multiple: true}),
}
