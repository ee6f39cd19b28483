/**
 * How each simulated maker presents itself: identity strings, MAC prefix (the maker's real OUI),
 * and the URL layout its firmware uses for ONVIF, RTSP and snapshots. Layouts follow the makers'
 * documented defaults so installer training and discovery tests see realistic URIs.
 */
export type Vendor = 'axis' | 'hikvision' | 'dahua' | 'generic'
export const VENDORS: Vendor[] = ['axis', 'hikvision', 'dahua', 'generic']

export interface VendorProfile {
  manufacturer: string
  model: string
  firmware: string
  /** First three MAC bytes. */
  oui: string
  servicePaths: {device: string; media: string}
  /** RTSP path (with query) for main and sub stream. */
  streamPaths: [string, string]
  snapshotPath: string
  hardwareScope: string
}

export const VENDOR_PROFILES: Record<Vendor, VendorProfile> = {
  axis: {
    manufacturer: 'AXIS',
    model: 'P3245-LVE',
    firmware: '10.12.182',
    oui: 'AC:CC:8E',
    servicePaths: {device: '/onvif/device_service', media: '/onvif/services'},
    streamPaths: ['/axis-media/media.amp?videocodec=h264', '/axis-media/media.amp?videocodec=h264&resolution=320x180'],
    snapshotPath: '/axis-cgi/jpg/image.cgi',
    hardwareScope: 'P3245-LVE',
  },
  hikvision: {
    manufacturer: 'HIKVISION',
    model: 'DS-2CD2143G2-I',
    firmware: 'V5.7.3 build 220112',
    oui: 'C0:56:E3',
    servicePaths: {device: '/onvif/device_service', media: '/onvif/Media'},
    streamPaths: ['/Streaming/Channels/101', '/Streaming/Channels/102'],
    snapshotPath: '/ISAPI/Streaming/channels/101/picture',
    hardwareScope: 'DS-2CD2143G2-I',
  },
  dahua: {
    manufacturer: 'Dahua',
    model: 'IPC-HDW2431T-AS-S2',
    firmware: '2.800.0000000.27.R',
    oui: '3C:EF:8C',
    servicePaths: {device: '/onvif/device_service', media: '/onvif/media_service'},
    streamPaths: ['/cam/realmonitor?channel=1&subtype=0', '/cam/realmonitor?channel=1&subtype=1'],
    snapshotPath: '/cgi-bin/snapshot.cgi',
    hardwareScope: 'IPC-HDW2431T-AS-S2',
  },
  generic: {
    manufacturer: 'rtcc',
    model: 'SimCam S1',
    firmware: '1.0.0',
    oui: '02:52:54',
    servicePaths: {device: '/onvif/device_service', media: '/onvif/media_service'},
    streamPaths: ['/stream1', '/stream2'],
    snapshotPath: '/snapshot.jpg',
    hardwareScope: 'SimCamS1',
  },
}
