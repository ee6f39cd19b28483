import {Args, Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'
import {RtccError} from '../../lib/errors.js'

export default class StreamSnapshot extends RtccCommand<typeof StreamSnapshot> {
  static override summary = 'Save one frame of a camera\'s live video as a JPEG (if the owner\'s policy allows).'
  static override examples = [
    '<%= config.bin %> stream snapshot cam_01jd8x3k2m4n5p6q7r8s9t0v1w -o frame.jpg',
    '<%= config.bin %> stream snapshot cam_01jd8x3k2m4n5p6q7r8s9t0v1w -o door.jpg --force --json',
  ]
  static override args = {camera: Args.string({description: 'Camera id (cam_…).', required: true})}
  static override flags = {
    output: Flags.string({char: 'o', description: 'JPEG file to write.', required: true}),
    force: Flags.boolean({description: 'Overwrite the output file.'}),
  }

  async run(): Promise<{cameraId: string; output: string; bytes: number}> {
    const [{streamSnapshot}, {writeFile}] = await Promise.all([import('../../lib/client/streams.js'), import('node:fs/promises')])
    const jpeg = await streamSnapshot(await this.api(), this.args.camera)
    try {
      await writeFile(this.flags.output, jpeg, {flag: this.flags.force ? 'w' : 'wx'})
    } catch (error) {
      const exists = (error as NodeJS.ErrnoException).code === 'EEXIST'
      throw new RtccError(exists ? 'output already exists' : `cannot write: ${(error as Error).message}`, {code: exists ? 'exists' : 'write_failed', where: this.flags.output, hint: exists ? 'Choose another -o path or pass --force.' : undefined})
    }
    this.out(`wrote ${this.flags.output} (${jpeg.length} bytes)`)
    return {cameraId: this.args.camera, output: this.flags.output, bytes: jpeg.length}
  }
}
