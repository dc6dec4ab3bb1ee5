// `npm run bench [-- <group>...]`: run benchmark groups, print `name value unit` lines.
// Groups register here; each lives in scripts/bench/<group>.ts.
import { benchCpu } from './bench/cpu.js';
import { benchBoot } from './bench/boot.js';
import { benchSmp } from './bench/smp.js';
import { benchSnapshot } from './bench/snapshot.js';
import { benchDisk } from './bench/disk.js';
import { benchIrq } from './bench/irq.js';
import { consoleReporter, type Reporter } from './bench/report.js';

const GROUPS: Record<string, { about: string; run: (r: Reporter) => Promise<void> }> = {
  cpu: { about: 'interpreter guest MIPS over a CRC32/copy/compare kernel (cpu.mips, cpu.insns)', run: benchCpu },
  boot: { about: 'default guest power-on to shell vs QEMU, 1 vCPU, 1 GiB (boot.seconds, boot.qemu.seconds, boot.ratio, boot.rss_mib)', run: benchBoot },
  smp: { about: 'vCPU threads: 2-process scaling on --smp 2, hypercall round trip through the BQL, --smp 4 boot (smp.scaling, smp.cpu_efficiency, bql.hcall_roundtrip_us, boot.smp4.seconds)', run: benchSmp },
  snapshot: { about: 'save/restore of the default guest, 1 GiB idle at the shell (snapshot.save_pause_ms, snapshot.restore_ms, snapshot.file_mib)', run: benchSnapshot },
  disk: { about: 'guest dd of a 256 MiB raw virtio-blk disk vs QEMU virtio-blk-pci, same run (disk.read_mb_s, disk.qemu.read_mb_s)', run: benchDisk },
  irq: { about: 'guest IPI ping-pong between 2 vCPUs (futex wake/wait), median round trip under XIVE and XICS vs QEMU, same run (irq.xive.ipi_roundtrip_us, irq.xics.ipi_roundtrip_us, irq.qemu.*)', run: benchIrq },
};

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv.includes('--list')) {
    process.stdout.write('Usage: npm run bench [-- <group>...]   (all groups when none is named)\n\nGroups:\n');
    for (const [name, g] of Object.entries(GROUPS)) process.stdout.write(`  ${name.padEnd(8)} ${g.about}\n`);
    return 0;
  }
  const unknown = argv.filter((a) => !(a in GROUPS));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown group ${unknown.join(', ')}; groups: ${Object.keys(GROUPS).join(', ')}\n`);
    return 2;
  }
  const names = argv.length > 0 ? argv : Object.keys(GROUPS);
  let failed = 0;
  for (const name of names) {
    try {
      await GROUPS[name].run(consoleReporter);
    } catch (e) {
      failed++;
      process.stderr.write(`bench: ${name} FAILED: ${(e as Error).message}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
