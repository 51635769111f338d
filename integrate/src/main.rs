fn main() -> std::process::ExitCode {
    muster_shared::cli::main("integrate", muster_integrate::cmd::run)
}
