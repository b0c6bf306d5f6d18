//! SEC-03 / MEM-09: creates `argv[2]` files in the mount `argv[1]`; prints how
//! many were staged and the first failure.
use memstore_test_guests::{arg, errno_name};

fn main() {
    let (rw, n) = (arg(1), arg(2).parse::<usize>().unwrap());
    let mut ok = 0;
    for i in 0..n {
        match std::fs::write(format!("{rw}/f{i:05}.md"), "x") {
            Ok(()) => ok += 1,
            Err(e) => {
                println!("fail_at:{i}:{}", errno_name(&e));
                break;
            }
        }
    }
    println!("written:{ok}");
}
