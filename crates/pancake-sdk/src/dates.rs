//! Times as the APIs take them: Unix seconds for `since`/`until`, and the two `date_range`
//! formats, made from real date/time values.
//!
//! ```
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use pancake_sdk::dates::{DateRange, DateTimeRange, UnixTime};
//!
//! let start = NaiveDate::from_ymd_opt(2021, 7, 27).unwrap().and_hms_opt(0, 0, 0).unwrap();
//! let end = NaiveDate::from_ymd_opt(2021, 8, 26).unwrap().and_hms_opt(23, 59, 59).unwrap();
//! let range = DateTimeRange::new(start, end).unwrap();
//! assert_eq!(range.to_string(), "27/07/2021 00:00:00 - 26/08/2021 23:59:59");
//!
//! let days = DateRange::new(start.date(), end.date()).unwrap();
//! assert_eq!(days.to_string(), "27/07/2021 - 26/08/2021");
//!
//! assert_eq!(UnixTime::from(Utc.with_ymd_and_hms(2025, 10, 1, 0, 0, 0).unwrap()).seconds(), 1_759_276_800);
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const DATE_TIME: &str = "%d/%m/%Y %H:%M:%S";
const DATE: &str = "%d/%m/%Y";

/// Why a time value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidTime(String);

/// A point in time as Unix seconds (`since`, `until`). Made from an integer, a
/// [`SystemTime`], or a `chrono` [`DateTime`] in any time zone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixTime(i64);

impl UnixTime {
    /// The time `seconds` after 1970-01-01 00:00:00 UTC.
    pub const fn from_seconds(seconds: i64) -> Self {
        UnixTime(seconds)
    }

    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub const fn seconds(self) -> i64 {
        self.0
    }

    /// Now, by the system clock.
    pub fn now() -> Self {
        UnixTime::from(SystemTime::now())
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for UnixTime {
    type Err = InvalidTime;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.trim().parse().map(UnixTime).map_err(|_| InvalidTime(format!("{text:?} is not Unix seconds")))
    }
}

impl From<i64> for UnixTime {
    fn from(seconds: i64) -> Self {
        UnixTime(seconds)
    }
}

impl From<i32> for UnixTime {
    fn from(seconds: i32) -> Self {
        UnixTime(seconds.into())
    }
}

impl From<u32> for UnixTime {
    fn from(seconds: u32) -> Self {
        UnixTime(seconds.into())
    }
}

impl From<UnixTime> for i64 {
    fn from(time: UnixTime) -> Self {
        time.0
    }
}

impl From<SystemTime> for UnixTime {
    fn from(time: SystemTime) -> Self {
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => UnixTime(after.as_secs() as i64),
            Err(before) => UnixTime(-(before.duration().as_secs() as i64)),
        }
    }
}

impl<Tz: TimeZone> From<DateTime<Tz>> for UnixTime {
    fn from(time: DateTime<Tz>) -> Self {
        UnixTime(time.timestamp())
    }
}

/// A time range in the API's `dd/mm/yyyy HH:MM:SS - dd/mm/yyyy HH:MM:SS` format; the start is
/// never after the end. Times are written as given (wall-clock times of their own zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateTimeRange {
    start: NaiveDateTime,
    end: NaiveDateTime,
}

impl DateTimeRange {
    /// The range from `start` to `end`, both included.
    pub fn new(start: NaiveDateTime, end: NaiveDateTime) -> Result<Self, InvalidTime> {
        if start > end {
            return Err(InvalidTime(format!("the start {start} is after the end {end}")));
        }
        Ok(DateTimeRange { start, end })
    }

    /// From two zoned times, each written in its own zone's wall-clock time.
    pub fn between<Tz: TimeZone>(start: DateTime<Tz>, end: DateTime<Tz>) -> Result<Self, InvalidTime> {
        DateTimeRange::new(start.naive_local(), end.naive_local())
    }

    /// The first moment.
    pub fn start(&self) -> NaiveDateTime {
        self.start
    }

    /// The last moment.
    pub fn end(&self) -> NaiveDateTime {
        self.end
    }
}

impl fmt::Display for DateTimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} - {}", self.start.format(DATE_TIME), self.end.format(DATE_TIME))
    }
}

impl FromStr for DateTimeRange {
    type Err = InvalidTime;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (start, end) = split(text, "dd/mm/yyyy HH:MM:SS - dd/mm/yyyy HH:MM:SS")?;
        let parse = |s: &str| {
            NaiveDateTime::parse_from_str(s, DATE_TIME)
                .map_err(|_| InvalidTime(format!("{s:?} is not a date and time dd/mm/yyyy HH:MM:SS")))
        };
        DateTimeRange::new(parse(start)?, parse(end)?)
    }
}

/// A range of days in the API's `dd/mm/yyyy - dd/mm/yyyy` format (new-customer statistics);
/// the start is never after the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateRange {
    start: NaiveDate,
    end: NaiveDate,
}

impl DateRange {
    /// The days from `start` to `end`, both included.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, InvalidTime> {
        if start > end {
            return Err(InvalidTime(format!("the start {start} is after the end {end}")));
        }
        Ok(DateRange { start, end })
    }

    /// The first day.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// The last day.
    pub fn end(&self) -> NaiveDate {
        self.end
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} - {}", self.start.format(DATE), self.end.format(DATE))
    }
}

impl FromStr for DateRange {
    type Err = InvalidTime;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (start, end) = split(text, "dd/mm/yyyy - dd/mm/yyyy")?;
        let parse = |s: &str| {
            NaiveDate::parse_from_str(s, DATE)
                .map_err(|_| InvalidTime(format!("{s:?} is not a date dd/mm/yyyy")))
        };
        DateRange::new(parse(start)?, parse(end)?)
    }
}

fn split<'a>(text: &'a str, format: &str) -> Result<(&'a str, &'a str), InvalidTime> {
    text.split_once(" - ")
        .map(|(a, b)| (a.trim(), b.trim()))
        .ok_or_else(|| InvalidTime(format!("{text:?} is not a range `{format}`")))
}

/// Conversions the generated builders use (`.date_range("...")`, `.date_range((start, end))`),
/// and string (de)serialization.
macro_rules! range_conversions {
    ($range:ty, $point:ty) => {
        impl TryFrom<&str> for $range {
            type Error = InvalidTime;
            fn try_from(text: &str) -> Result<Self, Self::Error> {
                text.parse()
            }
        }

        impl TryFrom<String> for $range {
            type Error = InvalidTime;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                text.parse()
            }
        }

        impl TryFrom<&String> for $range {
            type Error = InvalidTime;
            fn try_from(text: &String) -> Result<Self, Self::Error> {
                text.parse()
            }
        }

        impl TryFrom<($point, $point)> for $range {
            type Error = InvalidTime;
            fn try_from((start, end): ($point, $point)) -> Result<Self, Self::Error> {
                <$range>::new(start, end)
            }
        }

        impl From<$range> for String {
            fn from(range: $range) -> String {
                range.to_string()
            }
        }

        impl Serialize for $range {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $range {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

range_conversions!(DateTimeRange, NaiveDateTime);
range_conversions!(DateRange, NaiveDate);

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 10, d).unwrap().and_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn ranges_format_and_parse_both_ways() {
        let range = DateTimeRange::new(at(1, 0), at(7, 23)).unwrap();
        assert_eq!(range.to_string(), "01/10/2025 00:00:00 - 07/10/2025 23:00:00");
        assert_eq!(range.to_string().parse::<DateTimeRange>().unwrap(), range);
        let days: DateRange = "20/07/2020 - 20/08/2020".parse().unwrap();
        assert_eq!(days.to_string(), "20/07/2020 - 20/08/2020");
        assert_eq!(serde_json::to_value(days).unwrap(), "20/07/2020 - 20/08/2020");
    }

    #[test]
    fn backwards_or_malformed_ranges_are_refused() {
        assert!(DateTimeRange::new(at(7, 0), at(1, 0)).unwrap_err().0.contains("after"));
        assert!("31/02/2025 - 01/03/2025".parse::<DateRange>().is_err());
        assert!("2025-10-01 00:00:00 - 2025-10-02 00:00:00".parse::<DateTimeRange>().is_err());
        assert!("01/10/2025".parse::<DateRange>().unwrap_err().0.contains("not a range"));
    }

    #[test]
    fn zoned_times_keep_their_wall_clock_and_their_instant() {
        let hanoi = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
        let start = hanoi.with_ymd_and_hms(2025, 10, 1, 8, 0, 0).unwrap();
        let end = hanoi.with_ymd_and_hms(2025, 10, 1, 17, 30, 0).unwrap();
        assert_eq!(
            DateTimeRange::between(start, end).unwrap().to_string(),
            "01/10/2025 08:00:00 - 01/10/2025 17:30:00"
        );
        assert_eq!(UnixTime::from(start).seconds(), 1_759_276_800 + 3600);
        assert_eq!(UnixTime::from(UNIX_EPOCH + std::time::Duration::from_secs(5)), UnixTime::from_seconds(5));
    }
}
