// The VM's snapshots: name, time, size and the console text at save (the thumbnail until
// there is a screen), with Restore (running VM: in place; stopped VM: start from it) and
// Delete (asks first). Refusals from the engine are shown beside the list.
import { computed, defineComponent, h, onMounted, ref, watch, type PropType } from 'vue';
import type { SnapshotInfo, VmSummary } from '../../main/api-types.js';
import { formatSize, formatTime, restoreBlocked, useSnapshots } from '../stores/snapshots.js';

/** Thumbnail lines shown per snapshot. */
const THUMB_LINES = 8;

export default defineComponent({
  name: 'SnapshotPanel',
  props: { vm: { type: Object as PropType<VmSummary>, required: true } },
  setup(props) {
    const snaps = useSnapshots();
    const id = computed(() => props.vm.config.id);
    const state = computed(() => props.vm.runtime.state);
    const confirming = ref<string | null>(null);

    onMounted(() => void snaps.load(id.value));
    watch(id, (v) => {
      confirming.value = null;
      void snaps.load(v);
    });
    // A VM that stops or starts may have changed what is on disk (a failed start from a snapshot).
    watch(state, () => void snaps.load(id.value));

    const item = (s: SnapshotInfo): ReturnType<typeof h> => {
      const busy = snaps.busy[id.value] !== undefined;
      const blocked = restoreBlocked(state.value);
      const live = state.value === 'running' || state.value === 'paused';
      const thumb = s.thumbnail.split('\n').slice(-THUMB_LINES).join('\n');
      return h('li', { class: 'snapshot', 'data-testid': 'snapshot-item', key: s.file }, [
        h('div', { class: 'snapshot-head' }, [
          h('strong', { 'data-testid': 'snapshot-name' }, s.name),
          h('span', { class: 'muted small' }, `${formatTime(s.createdMs)} · ${formatSize(s.size)}`),
          h('span', { class: 'spacer' }),
          h(
            'button',
            {
              class: 'small',
              'data-testid': 'btn-snapshot-restore',
              disabled: busy || blocked !== null,
              title: blocked ?? (live ? 'Go back to this moment now (the VM continues from there; guest time resumes from the snapshot).' : 'Start the VM from this moment.'),
              onClick: () => void snaps.restore(id.value, s),
            },
            live ? 'Restore' : 'Start from here',
          ),
          confirming.value === s.file
            ? h('span', [
                h('button', { class: 'small danger', 'data-testid': 'btn-snapshot-delete-confirm', disabled: busy, onClick: () => {
                  confirming.value = null;
                  void snaps.remove(id.value, s);
                } }, 'Delete'),
                h('button', { class: 'small', onClick: () => (confirming.value = null) }, 'Keep'),
              ])
            : h('button', { class: 'small', 'data-testid': 'btn-snapshot-delete', disabled: busy, title: 'Delete this snapshot file', onClick: () => (confirming.value = s.file) }, 'Delete…'),
        ]),
        s.description ? h('p', { class: 'muted small' }, s.description) : null,
        thumb.trim() !== '' ? h('pre', { class: 'snapshot-thumb', 'data-testid': 'snapshot-thumb', title: 'The console at save' }, thumb) : null,
      ]);
    };

    return () => {
      const list = snaps.lists[id.value] ?? [];
      const unreadable = snaps.unreadable[id.value] ?? [];
      const err = snaps.errors[id.value];
      const note = snaps.notes[id.value];
      const busy = snaps.busy[id.value];
      return h('div', { class: 'snapshots', 'data-testid': 'snapshots' }, [
        h('h3', ['Snapshots', busy !== undefined ? h('span', { class: 'muted small', 'data-testid': 'snapshot-busy' }, ` — ${busy}…`) : null]),
        err !== undefined ? h('p', { class: 'notice error', 'data-testid': 'snapshot-error' }, err) : null,
        note !== undefined && err === undefined ? h('p', { class: 'notice info', 'data-testid': 'snapshot-note' }, note) : null,
        list.length === 0
          ? h('p', { class: 'muted', 'data-testid': 'snapshot-empty' }, 'No snapshots. Use Snapshot on the toolbar while the VM runs.')
          : h('ul', { class: 'snapshot-list' }, list.map(item)),
        unreadable.length > 0
          ? h('details', { class: 'snapshot-unreadable', 'data-testid': 'snapshot-unreadable' }, [
              h('summary', `${unreadable.length} snapshot file(s) could not be read`),
              h('ul', unreadable.map((m) => h('li', { class: 'small' }, m))),
            ])
          : null,
      ]);
    };
  },
});
