//! `wasi:filesystem/preopens`: `/mnt/memory` and one preopen per mount
//! (FS-01). Nothing else of any filesystem is offered.

use wasmtime::component::Resource;

use super::bindings::preopens;
use super::bindings::types::DescriptorFlags;
use super::filesystem::{Descriptor, FsView, opened_flags};

impl preopens::Host for FsView<'_> {
    fn get_directories(&mut self) -> wasmtime::Result<Vec<(Resource<Descriptor>, String)>> {
        let mut out = Vec::new();
        for (node, path) in self.vfs.preopens() {
            let asked = DescriptorFlags::READ | DescriptorFlags::MUTATE_DIRECTORY;
            let flags = opened_flags(&node, asked, self.vfs.node_writable(&node));
            out.push((self.table.push(Descriptor { node, flags })?, path));
        }
        Ok(out)
    }
}
