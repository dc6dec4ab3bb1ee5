// The Debian packages the test suite, the set-up script and the benchmarks use.
// One list: scripts/test.mjs installs whatever of it is missing. Add to it here.
export const DEBIAN_PACKAGES = [
  // qemu-ppc64le: the differential oracle for single instructions (tests/cpu/oracle)
  { name: 'qemu-user', why: 'qemu-ppc64le instruction oracle' },
  // qemu-system-ppc64: the reference machine (boot comparisons, traces)
  { name: 'qemu-system-ppc', why: 'qemu-system-ppc64 reference machine' },
  { name: 'binutils-powerpc64le-linux-gnu', why: 'assembler/objdump for little-endian tests' },
  { name: 'binutils-powerpc64-linux-gnu', why: 'assembler/objdump for big-endian tests' },
  { name: 'gcc-powerpc64le-linux-gnu', why: 'guest test programs and the cpu benchmark kernel' },
  { name: 'cpio', why: 'reads back the initramfs our own cpio writer produces' },
  { name: 'file', why: 'identifies fetched guest files in tests' },
  { name: 'chromium', why: 'browser end-to-end tests of the app in web mode (tests/e2e)' },
  { name: 'qemu-utils', why: 'qemu-img/qemu-io make and check disk images in tests/block' },
  { name: 'e2fsprogs', why: 'mkfs.ext4 -d and debugfs for disk image tests' },
  { name: 'genisoimage', why: 'ISO 9660 images for read-only media tests' },
];
