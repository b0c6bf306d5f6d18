//! `wasi:filesystem/types` served by memstore's VFS: each host method looks
//! up its resource, calls [`memstore_vfs::Vfs`], and converts.
//!
//! Owns the WASI view of the VFS (descriptor and directory-stream resources,
//! flag and error conversion). Must not hold filesystem rules: access,
//! paths and commits are the VFS's.

use wasmtime::component::{HasData, Resource, ResourceTable};
use wasmtime_wasi::p2::bindings::clocks::wall_clock::Datetime;
use wasmtime_wasi_io::streams::{DynInputStream, DynOutputStream};

use super::bindings::types::{
    self, Advice, DescriptorFlags, DescriptorStat, DescriptorType, DirectoryEntry, ErrorCode,
    Filesize, MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
use super::streams::{FileReader, FileWriter};
use memstore_store::Timestamp;
use memstore_vfs::{Errno, FsError, Kind, Node, OpenMode, Stat, Vfs};

/// The trappable form of `error-code`: a guest-visible code, or a trap for
/// a bad handle.
pub type WasiFsError = wasmtime_wasi::TrappableError<ErrorCode>;

type FsResult<T> = Result<T, WasiFsError>;

/// A `descriptor` resource: what it points at, and the flags it was opened
/// with, which `get-flags` reports (FS-10).
pub struct Descriptor {
    /// The file or directory.
    pub node: Node,
    /// `read`/`write` as the descriptor may be used, the sync flags as
    /// asked for, and `mutate-directory` on a writable directory.
    pub flags: DescriptorFlags,
}

/// The flags of a descriptor as opened (FS-10). A descriptor opened with
/// neither `read` nor `write` reads (POSIX `O_RDONLY` is 0); a write-only
/// one does not claim `read`. The sync flags are honoured as every write
/// is: the call's commit is durable before its result is returned.
pub fn opened_flags(node: &Node, asked: DescriptorFlags, writable_mount: bool) -> DescriptorFlags {
    let sync = DescriptorFlags::FILE_INTEGRITY_SYNC
        | DescriptorFlags::DATA_INTEGRITY_SYNC
        | DescriptorFlags::REQUESTED_WRITE_SYNC;
    let mut flags = asked & sync;
    if asked.contains(DescriptorFlags::READ) || !asked.contains(DescriptorFlags::WRITE) {
        flags |= DescriptorFlags::READ;
    }
    match node {
        Node::File(_) => {
            if asked.contains(DescriptorFlags::WRITE) {
                flags |= DescriptorFlags::WRITE;
            }
        }
        _ => {
            if writable_mount && asked.contains(DescriptorFlags::MUTATE_DIRECTORY) {
                flags |= DescriptorFlags::MUTATE_DIRECTORY;
            }
        }
    }
    flags
}

/// A `directory-entry-stream` resource: a directory's listing taken at
/// `read-directory` time.
pub struct DirEntries(std::vec::IntoIter<DirectoryEntry>);

/// The narrow view the filesystem interfaces are implemented on.
pub struct FsView<'a> {
    /// The call's VFS.
    pub vfs: &'a mut Vfs,
    /// The call's resources.
    pub table: &'a mut ResourceTable,
}

/// Marker for linking the views.
pub struct HasFs;

impl HasData for HasFs {
    type Data<'a> = FsView<'a>;
}

fn errno(e: Errno) -> ErrorCode {
    match e {
        Errno::Access => ErrorCode::Access,
        Errno::BadDescriptor => ErrorCode::BadDescriptor,
        Errno::CrossDevice => ErrorCode::CrossDevice,
        Errno::Exist => ErrorCode::Exist,
        Errno::FileTooLarge => ErrorCode::FileTooLarge,
        Errno::Invalid => ErrorCode::Invalid,
        Errno::Io => ErrorCode::Io,
        Errno::IsDirectory => ErrorCode::IsDirectory,
        Errno::NameTooLong => ErrorCode::NameTooLong,
        Errno::NoEntry => ErrorCode::NoEntry,
        Errno::NoSpace => ErrorCode::InsufficientSpace,
        Errno::NotDirectory => ErrorCode::NotDirectory,
        Errno::NotEmpty => ErrorCode::NotEmpty,
        Errno::NotPermitted => ErrorCode::NotPermitted,
        Errno::ReadOnly => ErrorCode::ReadOnly,
        Errno::Unsupported => ErrorCode::Unsupported,
    }
}

fn fs_err(e: FsError) -> WasiFsError {
    errno(e.code).into()
}

fn datetime(t: Option<Timestamp>) -> Option<Datetime> {
    t.map(|t| Datetime {
        seconds: u64::try_from(t.timestamp()).unwrap_or(0),
        nanoseconds: t.timestamp_subsec_nanos(),
    })
}

fn stat(s: Stat) -> DescriptorStat {
    DescriptorStat {
        type_: match s.kind {
            Kind::File => DescriptorType::RegularFile,
            Kind::Dir => DescriptorType::Directory,
        },
        link_count: 1,
        size: s.size,
        data_access_timestamp: datetime(s.updated),
        data_modification_timestamp: datetime(s.updated),
        status_change_timestamp: datetime(s.updated),
    }
}

fn open_mode(o: OpenFlags, f: DescriptorFlags) -> OpenMode {
    OpenMode {
        create: o.contains(OpenFlags::CREATE),
        directory: o.contains(OpenFlags::DIRECTORY),
        exclusive: o.contains(OpenFlags::EXCLUSIVE),
        truncate: o.contains(OpenFlags::TRUNCATE),
        read: f.contains(DescriptorFlags::READ),
        write: f.contains(DescriptorFlags::WRITE),
        mutate_directory: f.contains(DescriptorFlags::MUTATE_DIRECTORY),
    }
}

fn hash((lower, upper): (u64, u64)) -> MetadataHashValue {
    MetadataHashValue { lower, upper }
}

impl FsView<'_> {
    fn node(&self, d: &Resource<Descriptor>) -> FsResult<Node> {
        Ok(self.table.get(d).map_err(WasiFsError::trap)?.node.clone())
    }

    fn file(&self, d: &Resource<Descriptor>) -> FsResult<memstore_vfs::FileRef> {
        match self.node(d)? {
            Node::File(f) => Ok(f),
            _ => Err(ErrorCode::IsDirectory.into()),
        }
    }

    fn push(&mut self, node: Node, asked: DescriptorFlags) -> FsResult<Resource<Descriptor>> {
        let writable = self.vfs.node_writable(&node);
        let flags = opened_flags(&node, asked, writable);
        self.table
            .push(Descriptor { node, flags })
            .map_err(WasiFsError::trap)
    }
}

impl types::Host for FsView<'_> {
    fn convert_error_code(&mut self, err: WasiFsError) -> wasmtime::Result<ErrorCode> {
        err.downcast()
    }

    fn filesystem_error_code(
        &mut self,
        _err: Resource<wasmtime_wasi_io::streams::Error>,
    ) -> wasmtime::Result<Option<ErrorCode>> {
        Ok(None)
    }
}

impl types::HostDescriptor for FsView<'_> {
    fn read_via_stream(
        &mut self,
        d: Resource<Descriptor>,
        offset: Filesize,
    ) -> FsResult<Resource<DynInputStream>> {
        let file = self.file(&d)?;
        let stream: DynInputStream = Box::new(FileReader { file, pos: offset });
        self.table.push(stream).map_err(WasiFsError::trap)
    }

    fn write_via_stream(
        &mut self,
        d: Resource<Descriptor>,
        offset: Filesize,
    ) -> FsResult<Resource<DynOutputStream>> {
        self.writer(&d, Some(offset))
    }

    fn append_via_stream(
        &mut self,
        d: Resource<Descriptor>,
    ) -> FsResult<Resource<DynOutputStream>> {
        self.writer(&d, None)
    }

    fn advise(
        &mut self,
        _d: Resource<Descriptor>,
        _o: Filesize,
        _l: Filesize,
        _a: Advice,
    ) -> FsResult<()> {
        Ok(())
    }

    fn sync_data(&mut self, d: Resource<Descriptor>) -> FsResult<()> {
        self.sync(d)
    }

    fn get_flags(&mut self, d: Resource<Descriptor>) -> FsResult<DescriptorFlags> {
        Ok(self.table.get(&d).map_err(WasiFsError::trap)?.flags)
    }

    fn get_type(&mut self, d: Resource<Descriptor>) -> FsResult<DescriptorType> {
        Ok(match self.node(&d)? {
            Node::File(_) => DescriptorType::RegularFile,
            _ => DescriptorType::Directory,
        })
    }

    fn set_size(&mut self, d: Resource<Descriptor>, size: Filesize) -> FsResult<()> {
        let node = self.node(&d)?;
        self.vfs.set_size(&node, size).map_err(fs_err)
    }

    fn set_times(
        &mut self,
        d: Resource<Descriptor>,
        _a: NewTimestamp,
        _m: NewTimestamp,
    ) -> FsResult<()> {
        let node = self.node(&d)?;
        self.vfs.set_times_at(&node, None).map_err(fs_err)
    }

    fn read(
        &mut self,
        d: Resource<Descriptor>,
        len: Filesize,
        offset: Filesize,
    ) -> FsResult<(Vec<u8>, bool)> {
        let file = self.file(&d)?;
        let f = file.lock().expect("file lock");
        let bytes = f
            .read_at(offset, usize::try_from(len).unwrap_or(usize::MAX))
            .map_err(fs_err)?;
        let end = offset.saturating_add(bytes.len() as u64) >= f.size();
        Ok((bytes, end))
    }

    fn write(
        &mut self,
        d: Resource<Descriptor>,
        buf: Vec<u8>,
        offset: Filesize,
    ) -> FsResult<Filesize> {
        let file = self.file(&d)?;
        let mut f = file.lock().expect("file lock");
        f.write_at(Some(offset), &buf).map_err(fs_err)
    }

    fn read_directory(&mut self, d: Resource<Descriptor>) -> FsResult<Resource<DirEntries>> {
        let node = self.node(&d)?;
        let entries = self.vfs.read_dir(&node).map_err(fs_err)?;
        let entries: Vec<_> = entries
            .into_iter()
            .map(|(name, kind)| DirectoryEntry {
                type_: if kind == Kind::Dir {
                    DescriptorType::Directory
                } else {
                    DescriptorType::RegularFile
                },
                name,
            })
            .collect();
        self.table
            .push(DirEntries(entries.into_iter()))
            .map_err(WasiFsError::trap)
    }

    fn sync(&mut self, d: Resource<Descriptor>) -> FsResult<()> {
        if let Node::File(f) = self.node(&d)? {
            self.vfs.sync(&f);
        }
        Ok(())
    }

    fn create_directory_at(&mut self, d: Resource<Descriptor>, path: String) -> FsResult<()> {
        let node = self.node(&d)?;
        self.vfs.mkdir_at(&node, &path).map_err(fs_err)
    }

    fn stat(&mut self, d: Resource<Descriptor>) -> FsResult<DescriptorStat> {
        let node = self.node(&d)?;
        self.vfs.stat(&node).map(stat).map_err(fs_err)
    }

    fn stat_at(
        &mut self,
        d: Resource<Descriptor>,
        _f: PathFlags,
        path: String,
    ) -> FsResult<DescriptorStat> {
        let node = self.node(&d)?;
        self.vfs.stat_at(&node, &path).map(stat).map_err(fs_err)
    }

    fn set_times_at(
        &mut self,
        d: Resource<Descriptor>,
        _f: PathFlags,
        path: String,
        _a: NewTimestamp,
        _m: NewTimestamp,
    ) -> FsResult<()> {
        let node = self.node(&d)?;
        self.vfs.set_times_at(&node, Some(&path)).map_err(fs_err)
    }

    fn link_at(
        &mut self,
        d: Resource<Descriptor>,
        _f: PathFlags,
        _old: String,
        new_d: Resource<Descriptor>,
        new_path: String,
    ) -> FsResult<()> {
        self.node(&d)?;
        let node = self.node(&new_d)?;
        self.vfs.link_at(&node, &new_path).map_err(fs_err)
    }

    fn open_at(
        &mut self,
        d: Resource<Descriptor>,
        _f: PathFlags,
        path: String,
        o: OpenFlags,
        flags: DescriptorFlags,
    ) -> FsResult<Resource<Descriptor>> {
        let node = self.node(&d)?;
        let opened = self
            .vfs
            .open_at(&node, &path, open_mode(o, flags))
            .map_err(fs_err)?;
        self.push(opened, flags)
    }

    fn readlink_at(&mut self, d: Resource<Descriptor>, path: String) -> FsResult<String> {
        let node = self.node(&d)?;
        self.vfs.stat_at(&node, &path).map_err(fs_err)?;
        Err(ErrorCode::Invalid.into())
    }

    fn remove_directory_at(&mut self, d: Resource<Descriptor>, path: String) -> FsResult<()> {
        let node = self.node(&d)?;
        self.vfs.rmdir_at(&node, &path).map_err(fs_err)
    }

    fn rename_at(
        &mut self,
        d: Resource<Descriptor>,
        old: String,
        new_d: Resource<Descriptor>,
        new: String,
    ) -> FsResult<()> {
        let (from, to) = (self.node(&d)?, self.node(&new_d)?);
        self.vfs.rename_at(&from, &old, &to, &new).map_err(fs_err)
    }

    fn symlink_at(
        &mut self,
        d: Resource<Descriptor>,
        _old: String,
        new_path: String,
    ) -> FsResult<()> {
        let node = self.node(&d)?;
        self.vfs.link_at(&node, &new_path).map_err(fs_err)
    }

    fn unlink_file_at(&mut self, d: Resource<Descriptor>, path: String) -> FsResult<()> {
        let node = self.node(&d)?;
        self.vfs.unlink_at(&node, &path).map_err(fs_err)
    }

    fn is_same_object(
        &mut self,
        a: Resource<Descriptor>,
        b: Resource<Descriptor>,
    ) -> wasmtime::Result<bool> {
        let (a, b) = (
            self.table.get(&a)?.node.clone(),
            self.table.get(&b)?.node.clone(),
        );
        Ok(self.vfs.metadata_hash(&a) == self.vfs.metadata_hash(&b))
    }

    fn metadata_hash(&mut self, d: Resource<Descriptor>) -> FsResult<MetadataHashValue> {
        let node = self.node(&d)?;
        Ok(hash(self.vfs.metadata_hash(&node)))
    }

    fn metadata_hash_at(
        &mut self,
        d: Resource<Descriptor>,
        _f: PathFlags,
        path: String,
    ) -> FsResult<MetadataHashValue> {
        let node = self.node(&d)?;
        self.vfs
            .metadata_hash_at(&node, &path)
            .map(hash)
            .map_err(fs_err)
    }

    fn drop(&mut self, d: Resource<Descriptor>) -> wasmtime::Result<()> {
        if let Node::File(f) = self.table.delete(d)?.node {
            self.vfs.close(&f);
        }
        Ok(())
    }
}

impl FsView<'_> {
    fn writer(
        &mut self,
        d: &Resource<Descriptor>,
        pos: Option<u64>,
    ) -> FsResult<Resource<DynOutputStream>> {
        let file = self.file(d)?;
        if !file.lock().expect("file lock").writable {
            return Err(ErrorCode::BadDescriptor.into());
        }
        let stream: DynOutputStream = Box::new(FileWriter { file, pos });
        self.table.push(stream).map_err(WasiFsError::trap)
    }
}

impl types::HostDirectoryEntryStream for FsView<'_> {
    fn read_directory_entry(
        &mut self,
        s: Resource<DirEntries>,
    ) -> FsResult<Option<DirectoryEntry>> {
        Ok(self.table.get_mut(&s).map_err(WasiFsError::trap)?.0.next())
    }

    fn drop(&mut self, s: Resource<DirEntries>) -> wasmtime::Result<()> {
        self.table.delete(s)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYNC: DescriptorFlags = DescriptorFlags::FILE_INTEGRITY_SYNC;

    fn dir() -> Node {
        Node::Dir {
            mount: 0,
            path: "/".into(),
        }
    }

    #[test]
    fn fs_10_get_flags_reports_the_descriptor_as_opened() {
        let (r, w) = (DescriptorFlags::READ, DescriptorFlags::WRITE);
        let file = |asked| {
            let f = memstore_vfs::OpenFile::scratch(b"");
            opened_flags(
                &Node::File(std::sync::Arc::new(std::sync::Mutex::new(f))),
                asked,
                true,
            )
        };
        assert_eq!(file(w), w, "a write-only descriptor does not claim read");
        assert_eq!(file(r | w), r | w);
        assert_eq!(file(DescriptorFlags::empty()), r);
        assert_eq!(file(w | SYNC), w | SYNC, "sync flags are kept as asked");
        assert_eq!(
            file(w | DescriptorFlags::DATA_INTEGRITY_SYNC),
            w | DescriptorFlags::DATA_INTEGRITY_SYNC
        );
        let mutate = DescriptorFlags::MUTATE_DIRECTORY;
        assert_eq!(opened_flags(&dir(), r | mutate, true), r | mutate);
        assert_eq!(
            opened_flags(&dir(), r | mutate, false),
            r,
            "a read-only mount's directory cannot be mutated"
        );
    }
}
