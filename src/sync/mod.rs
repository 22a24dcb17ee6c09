//! Sync engines. Planning is pure (state and server answers in, a plan out) so it is tested
//! offline; executing a plan does the I/O.

pub mod actions;
pub mod calendar;
pub mod gmail;
pub mod tasks;
