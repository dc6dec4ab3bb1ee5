// RTAS call tokens. The guest finds each call's token as a property of /rtas
// (name -> u32) and passes it in the RTAS argument buffer. The numbering is
// QEMU's (0x2000 + index), so traces compare directly with QEMU's; the RTAS
// dispatcher and the device-tree builder both use this table.

export const RTAS_TOKEN_BASE = 0x2000;

/** Every RTAS call name PPCBox knows, with its token. */
export const RTAS_TOKENS = {
  'display-character': 0x2000,
  'get-time-of-day': 0x2001,
  'set-time-of-day': 0x2002,
  'power-off': 0x2003,
  'system-reboot': 0x2004,
  'query-cpu-stopped-state': 0x2005,
  'start-cpu': 0x2006,
  'stop-self': 0x2007,
  'ibm,get-system-parameter': 0x2008,
  'ibm,set-system-parameter': 0x2009,
  'ibm,set-xive': 0x200a,
  'ibm,get-xive': 0x200b,
  'ibm,int-off': 0x200c,
  'ibm,int-on': 0x200d,
  'check-exception': 0x200e,
  'event-scan': 0x200f,
  'ibm,set-tce-bypass': 0x2010,
  quiesce: 0x2011,
  'nvram-fetch': 0x2012,
  'nvram-store': 0x2013,
  'read-pci-config': 0x2014,
  'write-pci-config': 0x2015,
  'ibm,read-pci-config': 0x2016,
  'ibm,write-pci-config': 0x2017,
  'ibm,query-interrupt-source-number': 0x2018,
  'ibm,change-msi': 0x2019,
  'set-indicator': 0x201a,
  'set-power-level': 0x201b,
  'get-power-level': 0x201c,
  'get-sensor-state': 0x201d,
  'ibm,configure-connector': 0x201e,
  'ibm,os-term': 0x201f,
  'ibm,set-eeh-option': 0x2020,
  'ibm,get-config-addr-info2': 0x2021,
  'ibm,read-slot-reset-state2': 0x2022,
  'ibm,set-slot-reset': 0x2023,
  'ibm,configure-pe': 0x2024,
  'ibm,slot-error-detail': 0x2025,
  'ibm,query-pe-dma-window': 0x2026,
  'ibm,create-pe-dma-window': 0x2027,
  'ibm,remove-pe-dma-window': 0x2028,
  'ibm,reset-pe-dma-window': 0x2029,
  'ibm,suspend-me': 0x202a,
  'ibm,nmi-register': 0x202b,
  'ibm,nmi-interlock': 0x202c,
} as const;

export type RtasCallName = keyof typeof RTAS_TOKENS;

/**
 * The calls /rtas advertises by default: the set the pseries machine of
 * issue 3 implements. A call must only be advertised once it is implemented;
 * the guest treats a missing token as "not available" and copes.
 */
export const DEFAULT_RTAS_CALLS: readonly RtasCallName[] = [
  'display-character',
  'get-time-of-day',
  'set-time-of-day',
  'power-off',
  'system-reboot',
  'query-cpu-stopped-state',
  'start-cpu',
  'stop-self',
  'ibm,set-xive',
  'ibm,get-xive',
  'ibm,int-off',
  'ibm,int-on',
  'check-exception',
  'event-scan',
  'nvram-fetch',
  'nvram-store',
  'ibm,os-term',
];

const BY_TOKEN = new Map<number, RtasCallName>(
  (Object.keys(RTAS_TOKENS) as RtasCallName[]).map((name) => [RTAS_TOKENS[name], name]),
);

/** Call name for a token, or undefined for a token nobody defined. */
export function rtasCallName(token: number): RtasCallName | undefined {
  return BY_TOKEN.get(token >>> 0);
}
