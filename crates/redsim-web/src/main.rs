fn main() {
    redsim_web::start();
}
