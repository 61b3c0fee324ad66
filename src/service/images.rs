//! Image work for uploads: recognising files by their bytes, re-encoding (which drops EXIF and other
//! metadata), previews, avatars and headers, and the BlurHash clients show while an image loads.

use std::io::Cursor;

use image::{DynamicImage, GenericImageView, ImageDecoder, ImageFormat, ImageReader};

/// What a file is, found from its first bytes rather than from what the client claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// Mastodon's attachment type: image, video or audio.
    pub kind: &'static str,
    pub content_type: &'static str,
    pub extension: &'static str,
}

pub const SUPPORTED_TYPES: &[&str] = &[
    "image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/quicktime", "video/webm", "audio/mpeg",
    "audio/ogg", "audio/wav",
];

pub fn probe(bytes: &[u8]) -> Option<Probe> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    let found = |kind, content_type, extension| Some(Probe { kind, content_type, extension });
    if starts(b"\x89PNG\r\n\x1a\n") {
        found("image", "image/png", "png")
    } else if starts(b"\xff\xd8\xff") {
        found("image", "image/jpeg", "jpg")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        found("image", "image/gif", "gif")
    } else if starts(b"RIFF") && at(8, b"WEBP") {
        found("image", "image/webp", "webp")
    } else if starts(b"RIFF") && at(8, b"WAVE") {
        found("audio", "audio/wav", "wav")
    } else if at(4, b"ftypqt") {
        found("video", "video/quicktime", "mov")
    } else if at(4, b"ftyp") {
        found("video", "video/mp4", "mp4")
    } else if starts(b"\x1a\x45\xdf\xa3") {
        found("video", "video/webm", "webm")
    } else if starts(b"OggS") {
        found("audio", "audio/ogg", "ogg")
    } else if starts(b"ID3") || starts(b"\xff\xfb") || starts(b"\xff\xf3") || starts(b"\xff\xf2") {
        found("audio", "audio/mpeg", "mp3")
    } else {
        None
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("The image could not be read")]
    Unreadable,
    #[error("The image is too large (at most {0} pixels)")]
    TooManyPixels(u64),
}

/// Width and height, as Mastodon's `meta` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

pub struct ProcessedImage {
    /// The file to keep: re-encoded without metadata, or the original bytes where re-encoding would
    /// lose something (animated GIFs, WebP).
    pub original: Vec<u8>,
    pub original_size: Size,
    pub preview: Vec<u8>,
    pub preview_extension: &'static str,
    pub preview_size: Size,
    pub blurhash: String,
}

/// Mastodon's small version: at most this many pixels.
const PREVIEW_PIXELS: u64 = 230_400;

pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<DynamicImage, ImageError> {
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| ImageError::Unreadable)?;
    let (width, height) = reader.into_dimensions().map_err(|_| ImageError::Unreadable)?;
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(ImageError::TooManyPixels(max_pixels));
    }
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| ImageError::Unreadable)?;
    let mut decoder = reader.into_decoder().map_err(|_| ImageError::Unreadable)?;
    let orientation = decoder.orientation().map_err(|_| ImageError::Unreadable)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|_| ImageError::Unreadable)?;
    image.apply_orientation(orientation);
    Ok(image)
}

pub fn process(bytes: &[u8], probe: Probe, max_pixels: u64) -> Result<ProcessedImage, ImageError> {
    let image = decode(bytes, max_pixels)?;
    let original = match probe.content_type {
        "image/jpeg" => encode(&image, ImageFormat::Jpeg)?,
        "image/png" => encode(&image, ImageFormat::Png)?,
        _ => bytes.to_vec(),
    };
    let small = shrink_to_pixels(&image, PREVIEW_PIXELS);
    let (preview, preview_extension) = if small.color().has_alpha() {
        (encode(&small, ImageFormat::Png)?, "png")
    } else {
        (encode(&small, ImageFormat::Jpeg)?, "jpg")
    };
    Ok(ProcessedImage {
        original,
        original_size: size_of(&image),
        preview_size: size_of(&small),
        preview,
        preview_extension,
        blurhash: blurhash(&image),
    })
}

/// An avatar (square) or header (3:1): cropped to the ratio around the centre, scaled down to fit, PNG.
pub fn profile_image(bytes: &[u8], width: u32, height: u32, max_pixels: u64) -> Result<Vec<u8>, ImageError> {
    let image = decode(bytes, max_pixels)?;
    let (w, h) = image.dimensions();
    let (crop_w, crop_h) = if u64::from(w) * u64::from(height) > u64::from(h) * u64::from(width) {
        ((u64::from(h) * u64::from(width) / u64::from(height)) as u32, h)
    } else {
        (w, (u64::from(w) * u64::from(height) / u64::from(width)) as u32)
    };
    let cropped = image.crop_imm((w - crop_w) / 2, (h - crop_h) / 2, crop_w.max(1), crop_h.max(1));
    let fitted = if crop_w > width { cropped.resize_exact(width, height, image::imageops::FilterType::Triangle) } else { cropped };
    encode(&fitted, ImageFormat::Png)
}

fn size_of(image: &DynamicImage) -> Size {
    Size { width: image.width(), height: image.height() }
}

fn shrink_to_pixels(image: &DynamicImage, max_pixels: u64) -> DynamicImage {
    let pixels = u64::from(image.width()) * u64::from(image.height());
    if pixels <= max_pixels {
        return image.clone();
    }
    let scale = (max_pixels as f64 / pixels as f64).sqrt();
    let width = ((f64::from(image.width()) * scale).floor() as u32).max(1);
    let height = ((f64::from(image.height()) * scale).floor() as u32).max(1);
    image.resize_exact(width, height, image::imageops::FilterType::Triangle)
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>, ImageError> {
    let mut out = Cursor::new(Vec::new());
    let image = match format {
        ImageFormat::Jpeg => DynamicImage::ImageRgb8(image.to_rgb8()),
        _ => image.clone(),
    };
    image.write_to(&mut out, format).map_err(|_| ImageError::Unreadable)?;
    Ok(out.into_inner())
}

/// BlurHash with 4×4 components, as Mastodon computes it, from a small copy of the image.
pub fn blurhash(image: &DynamicImage) -> String {
    let small = image.thumbnail(32, 32).to_rgb8();
    let (width, height) = small.dimensions();
    let pixels: Vec<[f64; 3]> = small.pixels().map(|p| [srgb_to_linear(p[0]), srgb_to_linear(p[1]), srgb_to_linear(p[2])]).collect();
    encode_blurhash(4, 4, width as usize, height as usize, &pixels)
}

fn encode_blurhash(components_x: usize, components_y: usize, width: usize, height: usize, linear: &[[f64; 3]]) -> String {
    use std::f64::consts::PI;
    let mut factors = Vec::with_capacity(components_x * components_y);
    for j in 0..components_y {
        for i in 0..components_x {
            let normalisation = if i == 0 && j == 0 { 1.0 } else { 2.0 };
            let mut sum = [0.0; 3];
            for y in 0..height {
                for x in 0..width {
                    let basis = normalisation
                        * (PI * i as f64 * x as f64 / width as f64).cos()
                        * (PI * j as f64 * y as f64 / height as f64).cos();
                    let pixel = linear[y * width + x];
                    (0..3).for_each(|c| sum[c] += basis * pixel[c]);
                }
            }
            let scale = 1.0 / (width * height) as f64;
            factors.push(sum.map(|v| v * scale));
        }
    }
    let (dc, ac) = factors.split_first().expect("at least one component");
    let mut hash = base83((components_x - 1 + (components_y - 1) * 9) as u64, 1);
    let maximum = if ac.is_empty() {
        hash.push_str(&base83(0, 1));
        1.0
    } else {
        let actual = ac.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
        let quantised = (actual * 166.0 - 0.5).floor().clamp(0.0, 82.0);
        hash.push_str(&base83(quantised as u64, 1));
        (quantised + 1.0) / 166.0
    };
    let dc_value = (linear_to_srgb(dc[0]) << 16) + (linear_to_srgb(dc[1]) << 8) + linear_to_srgb(dc[2]);
    hash.push_str(&base83(dc_value, 4));
    for factor in ac {
        let quantise = |v: f64| (sign_pow(v / maximum, 0.5) * 9.0 + 9.5).floor().clamp(0.0, 18.0) as u64;
        hash.push_str(&base83(quantise(factor[0]) * 19 * 19 + quantise(factor[1]) * 19 + quantise(factor[2]), 2));
    }
    hash
}

fn srgb_to_linear(value: u8) -> f64 {
    let v = f64::from(value) / 255.0;
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

fn linear_to_srgb(value: f64) -> u64 {
    let v = value.clamp(0.0, 1.0);
    if v <= 0.003_130_8 {
        (v * 12.92 * 255.0 + 0.5) as u64
    } else {
        ((1.055 * v.powf(1.0 / 2.4) - 0.055) * 255.0 + 0.5) as u64
    }
}

fn sign_pow(value: f64, exponent: f64) -> f64 {
    value.abs().powf(exponent).copysign(value)
}

fn base83(value: u64, length: u32) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
    (1..=length).map(|i| CHARS[((value / 83u64.pow(length - i)) % 83) as usize] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn png(image: DynamicImage) -> Vec<u8> {
        encode(&image, ImageFormat::Png).unwrap()
    }

    #[test]
    fn recognises_files_by_their_bytes() {
        assert_eq!(probe(&png(DynamicImage::ImageRgb8(RgbImage::new(2, 2)))).unwrap().content_type, "image/png");
        assert_eq!(probe(b"\xff\xd8\xff\xe0....").unwrap().kind, "image");
        assert_eq!(probe(b"\0\0\0\x18ftypmp42").unwrap().content_type, "video/mp4");
        assert_eq!(probe(b"ID3\x03").unwrap().kind, "audio");
        assert_eq!(probe(b"<html>"), None);
    }

    #[test]
    fn a_solid_colour_hashes_to_its_colour() {
        let red = DynamicImage::ImageRgb8(RgbImage::from_pixel(8, 8, Rgb([255, 0, 0])));
        let hash = blurhash(&red);
        assert_eq!(hash.len(), 36, "4×4 components, like Mastodon's");
        assert_eq!(&hash[..1], "U", "the 4×4 size flag");
        assert_eq!(&hash[2..6], &base83(0xFF0000, 4), "the average colour");
    }

    #[test]
    fn previews_keep_the_aspect_and_the_pixel_budget() {
        let bytes = png(DynamicImage::ImageRgb8(RgbImage::from_pixel(1200, 600, Rgb([10, 20, 30]))));
        let done = process(&bytes, probe(&bytes).unwrap(), 100_000_000).unwrap();
        assert_eq!(done.original_size, Size { width: 1200, height: 600 });
        assert_eq!(done.preview_size, Size { width: 678, height: 339 });
        assert_eq!(done.preview_extension, "jpg");
        let transparent = png(DynamicImage::ImageRgba8(RgbaImage::from_pixel(10, 10, Rgba([0, 0, 0, 0]))));
        assert_eq!(process(&transparent, probe(&transparent).unwrap(), 1_000).unwrap().preview_extension, "png");
        assert!(matches!(process(&bytes, probe(&bytes).unwrap(), 1_000), Err(ImageError::TooManyPixels(1_000))));
        assert!(matches!(decode(b"\x89PNG\r\n\x1a\nbroken", 1_000), Err(ImageError::Unreadable)));
    }

    #[test]
    fn avatars_are_cropped_square() {
        let wide = png(DynamicImage::ImageRgb8(RgbImage::new(800, 400)));
        let avatar = image::load_from_memory(&profile_image(&wide, 400, 400, 100_000_000).unwrap()).unwrap();
        assert_eq!(avatar.dimensions(), (400, 400));
        let small = png(DynamicImage::ImageRgb8(RgbImage::new(90, 30)));
        let header = image::load_from_memory(&profile_image(&small, 1500, 500, 100_000_000).unwrap()).unwrap();
        assert_eq!(header.dimensions(), (90, 30));
    }
}
