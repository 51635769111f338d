// mimalloc: planning 100k tasks allocates millions of small strings and
// vectors; glibc's malloc made `plan next` a third slower (measured with
// hyperfine in the same run, bench/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    muster_shared::cli::main("plan", muster_planner::cmd::run)
}
