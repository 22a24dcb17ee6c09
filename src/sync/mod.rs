//! Sync engines. Planning is pure (state and server answers in, a plan out) so it is tested
//! offline; executing a plan does the I/O.

pub mod calendar;
pub mod gmail;
pub mod gmail_plan;
pub mod mail_actions;
pub mod progress;
pub mod tasks;
