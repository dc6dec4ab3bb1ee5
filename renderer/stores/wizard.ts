// The creation wizard: source, machine and preset, CPUs and memory, name, summary.
// Every field is checked with the same rules main applies, and the message is shown
// beside the field; Next is refused while the page has an error.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import {
  DEFAULT_IC_MODE, PRESETS, validateCmdline, validateCpus, validateIcMode, validateMemory, validateName,
  type FieldErrors, type FileGrant, type IcMode, type MachineType, type NewVmInput, type VmConfig,
} from '../../main/api-types.js';
import { bridge } from '../bridge.js';

export const STEPS = ['Source', 'Machine', 'Resources', 'Name', 'Summary'] as const;

/** Which fields each page owns (errors elsewhere do not block it). */
const STEP_FIELDS: string[][] = [['source', 'kernel', 'initrd', 'image'], ['machine', 'preset', 'icMode', 'cmdline'], ['cpus', 'memoryMiB'], ['name'], []];

export type SourceKind = 'default' | 'kernel' | 'disk';

export const useWizard = defineStore('wizard', () => {
  const open = ref(false);
  const step = ref(0);
  const source = ref<SourceKind>('default');
  const kernel = ref<FileGrant | null>(null);
  const initrd = ref<FileGrant | null>(null);
  const image = ref<FileGrant | null>(null);
  const machine = ref<MachineType>('pseries');
  const preset = ref('standard');
  const icMode = ref<IcMode>(DEFAULT_IC_MODE);
  const cpus = ref(1);
  const memoryMiB = ref(1024);
  const cmdline = ref('console=hvc0 quiet');
  const name = ref('');
  /** Pages the user tried to leave: their errors are shown. */
  const shown = ref<boolean[]>(STEPS.map(() => false));
  const serverErrors = ref<FieldErrors>({});
  const busy = ref(false);
  const submitError = ref('');
  const defaultAvailable = ref(true);

  const errors = computed<FieldErrors>(() => {
    const e: FieldErrors = {};
    if (source.value === 'default' && !defaultAvailable.value) e.source = 'The default guest is not set up yet (npm run setup).';
    if (source.value === 'kernel' && kernel.value === null) e.kernel = 'Choose a kernel (vmlinux).';
    if (source.value === 'disk') {
      if (image.value === null) e.image = 'Choose a disk image.';
      else if (image.value.format === null) e.image = `Not a disk image: ${image.value.refusal ?? 'unknown format'}.`;
    }
    if (!PRESETS[machine.value].some((p) => p.id === preset.value)) e.preset = 'Choose a preset.';
    const ic = validateIcMode(icMode.value);
    if (ic) e.icMode = ic;
    const c = validateCmdline(cmdline.value);
    if (c) e.cmdline = c;
    const cp = validateCpus(cpus.value);
    if (cp) e.cpus = cp;
    const m = validateMemory(memoryMiB.value);
    if (m) e.memoryMiB = m;
    const n = validateName(name.value);
    if (n) e.name = n;
    return { ...e, ...serverErrors.value };
  });

  function stepErrors(i: number): string[] {
    return STEP_FIELDS[i].filter((f) => errors.value[f] !== undefined);
  }

  /** The message beside a field, once its page has been checked. */
  function fieldError(field: string): string {
    const i = STEP_FIELDS.findIndex((fs) => fs.includes(field));
    return i >= 0 && (shown.value[i] || serverErrors.value[field] !== undefined) ? (errors.value[field] ?? '') : '';
  }

  function applyPreset(id: string): void {
    const p = PRESETS[machine.value].find((x) => x.id === id);
    preset.value = id;
    if (p === undefined) return;
    cpus.value = p.cpus;
    memoryMiB.value = p.memoryMiB;
    cmdline.value = p.cmdline;
  }

  function start(opts: { image?: FileGrant; defaultAvailable: boolean; existingNames?: string[] }): void {
    open.value = true;
    step.value = 0;
    shown.value = STEPS.map(() => false);
    serverErrors.value = {};
    submitError.value = '';
    defaultAvailable.value = opts.defaultAvailable;
    kernel.value = null;
    initrd.value = null;
    image.value = opts.image ?? null;
    source.value = opts.image !== undefined ? 'disk' : 'default';
    machine.value = 'pseries';
    icMode.value = DEFAULT_IC_MODE;
    applyPreset('standard');
    const taken = new Set(opts.existingNames ?? []);
    let n = 1;
    while (taken.has(`Debian ${n}`)) n++;
    name.value = opts.image !== undefined ? opts.image.name.replace(/\.[^.]*$/, '').slice(0, 64) || `Debian ${n}` : `Debian ${n}`;
  }

  function clearServerError(field: string): void {
    if (serverErrors.value[field] !== undefined) {
      const next = { ...serverErrors.value };
      delete next[field];
      serverErrors.value = next;
    }
  }

  /** Next page, unless this one has errors (which are then shown). */
  function next(): boolean {
    shown.value[step.value] = true;
    if (stepErrors(step.value).length > 0) return false;
    if (step.value < STEPS.length - 1) step.value++;
    return true;
  }

  function back(): void {
    if (step.value > 0) step.value--;
  }

  function goTo(i: number): void {
    // Only backwards or to pages already passed.
    if (i < step.value) step.value = i;
  }

  function input(): NewVmInput {
    const src: NewVmInput['source'] =
      source.value === 'kernel'
        ? { kind: 'kernel', kernel: kernel.value?.id ?? '', ...(initrd.value !== null ? { initrd: initrd.value.id } : {}) }
        : source.value === 'disk'
          ? { kind: 'disk', image: image.value?.id ?? '' }
          : { kind: 'default' };
    return { name: name.value.trim(), machine: machine.value, preset: preset.value, cpus: cpus.value, memoryMiB: memoryMiB.value, cmdline: cmdline.value.trim(), icMode: icMode.value, source: src };
  }

  async function submit(): Promise<VmConfig | null> {
    shown.value = STEPS.map(() => true);
    const bad = STEPS.findIndex((_, i) => stepErrors(i).length > 0);
    if (bad >= 0) {
      step.value = bad;
      return null;
    }
    busy.value = true;
    submitError.value = '';
    try {
      // The caller closes the wizard once it has used the result.
      return await bridge().api.create(input());
    } catch (e) {
      const fields = (e as { fields?: FieldErrors }).fields ?? {};
      serverErrors.value = fields;
      submitError.value = (e as Error).message;
      const page = STEPS.findIndex((_, i) => STEP_FIELDS[i].some((f) => fields[f] !== undefined));
      if (page >= 0) step.value = page;
      return null;
    } finally {
      busy.value = false;
    }
  }

  function cancel(): void {
    open.value = false;
  }

  return {
    open, step, source, kernel, initrd, image, machine, preset, icMode, cpus, memoryMiB, cmdline, name, shown, serverErrors, busy, submitError, defaultAvailable,
    errors, stepErrors, fieldError, applyPreset, start, next, back, goTo, input, submit, cancel, clearServerError,
  };
});
