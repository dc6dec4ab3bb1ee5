// The library: every VM with its state, problems found while loading, the New button,
// and a drop zone (a disk image dropped here opens the wizard with it preselected).
import { defineComponent, h, ref } from 'vue';
import { STATE_LABEL, useLibrary } from '../stores/library.js';
import { useWizard } from '../stores/wizard.js';

export default defineComponent({
  name: 'LibraryList',
  setup() {
    const lib = useLibrary();
    const wiz = useWizard();
    const dragging = ref(false);

    function openWizard(): void {
      wiz.start({ defaultAvailable: lib.defaultGuest.available, existingNames: lib.vms.map((v) => v.config.name) });
    }

    async function onDrop(e: DragEvent): Promise<void> {
      e.preventDefault();
      dragging.value = false;
      const g = await lib.dropOnLibrary([...(e.dataTransfer?.files ?? [])]);
      if (g !== null) wiz.start({ image: g, defaultAvailable: lib.defaultGuest.available, existingNames: lib.vms.map((v) => v.config.name) });
    }

    return () =>
      h(
        'aside',
        {
          class: ['library', dragging.value ? 'dragging' : ''],
          'data-testid': 'library',
          onDragover: (e: DragEvent) => {
            e.preventDefault();
            dragging.value = true;
          },
          onDragleave: () => (dragging.value = false),
          onDrop: (e: DragEvent) => void onDrop(e),
        },
        [
          h('div', { class: 'library-head' }, [h('h1', 'PPCBox'), h('button', { class: 'primary', 'data-testid': 'btn-new', onClick: openWizard }, 'New VM')]),
          lib.libraryNotice ? h('p', { class: `notice ${lib.libraryNotice.kind}`, 'data-testid': 'library-notice' }, lib.libraryNotice.text) : null,
          lib.loaded && lib.vms.length === 0 ? h('p', { class: 'muted' }, 'No VMs yet. Create one, or drop a disk image here.') : null,
          h(
            'ul',
            { class: 'vm-list' },
            lib.vms.map((v) =>
              h(
                'li',
                {
                  class: ['vm-item', v.config.id === lib.selectedId ? 'selected' : ''],
                  'data-testid': 'vm-item',
                  'data-vm-id': v.config.id,
                  onClick: () => lib.select(v.config.id),
                },
                [h('span', { class: 'vm-item-name' }, v.config.name), h('span', { class: `state state-${v.runtime.state}` }, STATE_LABEL[v.runtime.state])],
              ),
            ),
          ),
          lib.problems.length > 0
            ? h('div', { class: 'problems', 'data-testid': 'problems' }, [
                h('h3', 'Could not load'),
                h(
                  'ul',
                  lib.problems.map((p) => h('li', [h('code', p.folder), h('br'), p.message])),
                ),
              ])
            : null,
          h('p', { class: 'muted small drop-hint' }, 'Drop a disk image here to make a VM from it.'),
        ],
      );
  },
});
